-- bench/predict/plpython.sql: the PL/Python prediction baseline shared by the
-- predict, cold-connection, memory and concurrency benchmarks.
--
-- The baseline is what one writes without the extension: a PL/Python function
-- that keeps an xgboost.Booster per connection (in GD), loaded on its first
-- call from the model's own bytes, and predicts one row per call.  The bytes
-- are the "booster" entry of the model's artifact (XGBoost's UBJSON model,
-- docs/artifact.md): the very model pgml.predict serves.  They are copied out
-- of the msgpack artifact once, at setup, into bench_boosters, so the
-- per-connection load is only what any user would pay: read the bytes,
-- xgboost.Booster(model_file=...).  Debian's python3 (numpy, xgboost 1.7).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS plpython3u;

-- The "booster" bin of a msgpack artifact (a top-level map with str keys).
-- Python has no msgpack module here, so this walks the few types the
-- artifact uses; only the setup calls it.
CREATE OR REPLACE FUNCTION bench_artifact_booster(artifact bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE STRICT AS $$
import struct
b = artifact
pos = 0

def take(n):
    nonlocal pos
    v = b[pos:pos + n]
    pos += n
    return v

def read():
    nonlocal pos
    t = b[pos]
    pos += 1
    if t <= 0x7f or t >= 0xe0:
        return t
    if 0xa0 <= t <= 0xbf:
        return take(t & 0x1f).decode()
    if 0x80 <= t <= 0x8f:
        return {read(): read() for _ in range(t & 0x0f)}
    if 0x90 <= t <= 0x9f:
        return [read() for _ in range(t & 0x0f)]
    sizes = {0xc4: 1, 0xc5: 2, 0xc6: 4, 0xd9: 1, 0xda: 2, 0xdb: 4}
    if t in sizes:
        n = int.from_bytes(take(sizes[t]), "big")
        v = take(n)
        return v if t <= 0xc6 else v.decode()
    fixed = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q", 0xd0: ">b", 0xd1: ">h",
             0xd2: ">i", 0xd3: ">q", 0xca: ">f", 0xcb: ">d"}
    if t in fixed:
        return struct.unpack(fixed[t], take(struct.calcsize(fixed[t])))[0]
    if t == 0xc0:
        return None
    if t in (0xc2, 0xc3):
        return t == 0xc3
    if t in (0xde, 0xdf):
        n = int.from_bytes(take(2 if t == 0xde else 4), "big")
        return {read(): read() for _ in range(n)}
    if t in (0xdc, 0xdd):
        n = int.from_bytes(take(2 if t == 0xdc else 4), "big")
        return [read() for _ in range(n)]
    plpy.error("unexpected msgpack type 0x%02x at %d" % (t, pos - 1))

top = read()
return top.get("booster")
$$;

CREATE TABLE IF NOT EXISTS bench_boosters (model_id bigint PRIMARY KEY, booster bytea NOT NULL);

-- Copy the booster of a model out of its artifact (setup, once per model).
CREATE OR REPLACE FUNCTION bench_export_booster(id bigint) RETURNS integer
LANGUAGE sql AS $$
    INSERT INTO bench_boosters
    SELECT m.id, bench_artifact_booster(m.artifact) FROM pgml.models m WHERE m.id = $1
    ON CONFLICT (model_id) DO UPDATE SET booster = excluded.booster
    RETURNING octet_length(booster)
$$;

-- The baseline predictor: the class label (argmax of the probabilities: the
-- bench models' labels are 0..n-1) or the regression value.  nthread 1, like
-- pgml.predict and pgml.predict_native: one row is one core's work.
CREATE OR REPLACE FUNCTION bench_py_predict(model_id bigint, features real[]) RETURNS real
LANGUAGE plpython3u STABLE STRICT AS $$
bst = GD.get(("booster", model_id))
if bst is None:
    import numpy
    import xgboost
    plan = plpy.prepare("SELECT booster FROM bench_boosters WHERE model_id = $1", ["bigint"])
    raw = plpy.execute(plan, [model_id])[0]["booster"]
    bst = xgboost.Booster(model_file=bytearray(raw))
    bst.set_param({"nthread": 1})
    GD[("booster", model_id)] = bst
    GD["numpy"] = numpy
np = GD["numpy"]
p = bst.inplace_predict(np.asarray(features, dtype=np.float32).reshape(1, -1))
if p.ndim == 2:
    return float(p[0].argmax())
return float(p[0])
$$;
