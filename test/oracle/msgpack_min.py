"""A small msgpack reader and writer for the tests (no dependency: Debian's
python3 has no msgpack module).  It keeps what a corruption test needs to
rewrite an artifact faithfully:

  - maps decode to Map, a list of (key, value) pairs in their order, so a
    duplicated key or a non-str key can be written back;
  - float 32 decodes to F32 (a float), float 64 to float;
  - str decodes to str (or, if it is not UTF-8, to Str(bytes)), bin to bytes;
  - ext decodes to Ext(type, data);
  - Raw(bytes) is written as is (for malformed pieces).

Integers are written in the smallest form, containers with the smallest
header that fits; the image compiler does not care which form is used.
"""
import struct


class F32(float):
    """A float written as msgpack float 32."""


class Raw(bytes):
    """Bytes written verbatim."""


class Str(bytes):
    """A msgpack str whose bytes are not UTF-8 (or must be kept as bytes)."""


class Ext:
    def __init__(self, type_, data):
        self.type, self.data = type_, data


class Map(list):
    """A msgpack map: a list of (key, value) pairs."""

    def get(self, key, default=None):
        for k, v in self:
            if k == key:
                return v
        return default

    def __contains__(self, key):
        return any(k == key for k, _ in self)

    def set(self, key, value):
        """Replace the first pair with this key, or append one."""
        for i, (k, _) in enumerate(self):
            if k == key:
                self[i] = (key, value)
                return self
        self.append((key, value))
        return self

    def delete(self, key):
        self[:] = [(k, v) for k, v in self if k != key]
        return self

    def copy(self):
        return Map(list(self))


def unpack(data):
    obj, end = _unpack(data, 0)
    if end != len(data):
        raise ValueError("%d extra bytes" % (len(data) - end))
    return obj


def _be(data, i, n):
    return int.from_bytes(data[i:i + n], "big"), i + n


def _unpack(b, i):
    t = b[i]
    i += 1
    if t <= 0x7f:
        return t, i
    if t >= 0xe0:
        return t - 0x100, i
    if 0x80 <= t <= 0x8f:
        return _unpack_map(b, i, t & 0x0f)
    if 0x90 <= t <= 0x9f:
        return _unpack_array(b, i, t & 0x0f)
    if 0xa0 <= t <= 0xbf:
        return _str(b, i, t & 0x1f)
    if t == 0xc0:
        return None, i
    if t == 0xc2:
        return False, i
    if t == 0xc3:
        return True, i
    if t in (0xc4, 0xc5, 0xc6):
        n, i = _be(b, i, 1 << (t - 0xc4))
        return bytes(b[i:i + n]), i + n
    if t in (0xc7, 0xc8, 0xc9):
        n, i = _be(b, i, 1 << (t - 0xc7))
        return Ext(struct.unpack(">b", b[i:i + 1])[0], bytes(b[i + 1:i + 1 + n])), i + 1 + n
    if t == 0xca:
        return F32(struct.unpack(">f", b[i:i + 4])[0]), i + 4
    if t == 0xcb:
        return struct.unpack(">d", b[i:i + 8])[0], i + 8
    if 0xcc <= t <= 0xcf:
        return _be(b, i, 1 << (t - 0xcc))
    if 0xd0 <= t <= 0xd3:
        n = 1 << (t - 0xd0)
        return int.from_bytes(b[i:i + n], "big", signed=True), i + n
    if 0xd4 <= t <= 0xd8:
        n = 1 << (t - 0xd4)
        return Ext(struct.unpack(">b", b[i:i + 1])[0], bytes(b[i + 1:i + 1 + n])), i + 1 + n
    if t in (0xd9, 0xda, 0xdb):
        n, i = _be(b, i, 1 << (t - 0xd9))
        return _str(b, i, n)
    if t in (0xdc, 0xdd):
        n, i = _be(b, i, 2 if t == 0xdc else 4)
        return _unpack_array(b, i, n)
    if t in (0xde, 0xdf):
        n, i = _be(b, i, 2 if t == 0xde else 4)
        return _unpack_map(b, i, n)
    raise ValueError("byte 0x%02x at %d is not msgpack" % (t, i - 1))


def _str(b, i, n):
    raw = bytes(b[i:i + n])
    try:
        return raw.decode("utf-8"), i + n
    except UnicodeDecodeError:
        return Str(raw), i + n


def _unpack_array(b, i, n):
    out = []
    for _ in range(n):
        v, i = _unpack(b, i)
        out.append(v)
    return out, i


def _unpack_map(b, i, n):
    out = Map()
    for _ in range(n):
        k, i = _unpack(b, i)
        v, i = _unpack(b, i)
        out.append((k, v))
    return out, i


def pack(o):
    if isinstance(o, Raw):
        return bytes(o)
    if o is None:
        return b"\xc0"
    if o is True:
        return b"\xc3"
    if o is False:
        return b"\xc2"
    if isinstance(o, F32):
        return b"\xca" + struct.pack(">f", o)
    if isinstance(o, float):
        return b"\xcb" + struct.pack(">d", o)
    if isinstance(o, int):
        return _pack_int(o)
    if isinstance(o, Str):
        return _header(len(o), 0xa0, 31, (0xd9, 0xda, 0xdb)) + bytes(o)
    if isinstance(o, str):
        raw = o.encode("utf-8")
        return _header(len(raw), 0xa0, 31, (0xd9, 0xda, 0xdb)) + raw
    if isinstance(o, (bytes, bytearray)):
        return _header(len(o), None, -1, (0xc4, 0xc5, 0xc6)) + bytes(o)
    if isinstance(o, Ext):
        return _header(len(o.data), None, -1, (0xc7, 0xc8, 0xc9)) + struct.pack(">b", o.type) + o.data
    if isinstance(o, Map):
        return _header(len(o), 0x80, 15, (None, 0xde, 0xdf)) + b"".join(pack(k) + pack(v) for k, v in o)
    if isinstance(o, list):
        return _header(len(o), 0x90, 15, (None, 0xdc, 0xdd)) + b"".join(pack(v) for v in o)
    raise TypeError("cannot pack %r" % type(o))


def _header(n, fix, fixmax, forms):
    if fix is not None and n <= fixmax:
        return bytes([fix | n])
    if forms[0] is not None and n < 1 << 8:
        return bytes([forms[0], n])
    if n < 1 << 16:
        return bytes([forms[1]]) + n.to_bytes(2, "big")
    return bytes([forms[2]]) + n.to_bytes(4, "big")


def _pack_int(v):
    if 0 <= v <= 0x7f:
        return bytes([v])
    if -32 <= v < 0:
        return bytes([v & 0xff])
    if v >= 0:
        for code, n in ((0xcc, 1), (0xcd, 2), (0xce, 4), (0xcf, 8)):
            if v < 1 << (8 * n):
                return bytes([code]) + v.to_bytes(n, "big")
    for code, n in ((0xd0, 1), (0xd1, 2), (0xd2, 4), (0xd3, 8)):
        if -(1 << (8 * n - 1)) <= v:
            return bytes([code]) + v.to_bytes(n, "big", signed=True)
    raise OverflowError(v)


# little-endian fixed-width arrays inside a bin (docs/artifact.md)
def i32s(b):
    return list(struct.unpack("<%di" % (len(b) // 4), b))


def f32s(b):
    return list(struct.unpack("<%df" % (len(b) // 4), b))


def f64s(b):
    return list(struct.unpack("<%dd" % (len(b) // 8), b))


def bin_i32(vals):
    return struct.pack("<%di" % len(vals), *vals)


def bin_f32(vals):
    return struct.pack("<%df" % len(vals), *vals)


def bin_f64(vals):
    return struct.pack("<%dd" % len(vals), *vals)
