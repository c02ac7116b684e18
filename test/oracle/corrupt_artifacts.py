"""Corruption cases for the artifact validator (src/image.c), used by
test/t/071_artifact_validator.pl.

    corrupt_artifacts.py DIR

DIR holds base_<name>.hex: the artifacts of models the test trained (hex
of pgml.models.artifact).  Writes DIR/cases.tsv, one case a line:

    case <TAB> base <TAB> expected SQLSTATE <TAB> expected detail <TAB> artifact hex

An expected SQLSTATE "ok" means the artifact is valid and must predict (the
positive controls: every base re-encoded by msgpack_min.py, and a
hand-made valid forest).  Each corruption changes one thing of a valid
artifact, chosen so that every check before the one aimed at still passes;
the expected detail is the exact text image.c must report.

Every CORRUPT() site of src/image.c has at least one case (the test checks
that each site's format matches some case's detail); the "site" of a case
is the first words of its detail.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from msgpack_min import (F32, Map, Raw, Str, bin_f32, bin_f64, bin_i32,  # noqa: E402
                         f64s, i32s, pack, unpack)

MAX_FEATURES = 1 << 24
MAX_CLASSES = 1024
MAX_CATEGORIES = 65536
MAX_NAME = 1024
NAN = float("nan")
INF = float("inf")


def load(d):
    bases = {}
    for fn in sorted(os.listdir(d)):
        if fn.startswith("base_") and fn.endswith(".hex"):
            with open(os.path.join(d, fn)) as f:
                raw = bytes.fromhex(f.read().strip().removeprefix("\\x"))
            bases[fn[5:-4]] = (raw, unpack(raw))
    return bases


def with_f64(m, key, i, v):
    vals = f64s(m.get(key))
    vals[i] = v
    return m.set(key, bin_f64(vals))


def with_i32(m, key, i, v):
    vals = i32s(m.get(key))
    vals[i] = v
    return m.set(key, bin_i32(vals))


# A hand-made forest for tree cases: one tree of depth 2, complete:
#   0: x[0] < 0.5 ? 1 : 2;  1: x[1] < 0.5 ? 3 : 4;  2: x[0] < 1.5 ? 5 : 6;
#   3..6 leaves 0.1 .. 0.4
def tree7():
    return [
        # left, right, split, cond, default_left
        [1, 2, 0, 0.5, 1],
        [3, 4, 1, 0.5, 0],
        [5, 6, 0, 1.5, 1],
        [-1, -1, 0, 0.1, 0],
        [-1, -1, 0, 0.2, 0],
        [-1, -1, 0, 0.3, 0],
        [-1, -1, 0, 0.4, 0],
    ]


def set_forest(m, trees, groups=None, offsets=None, n_nodes=None, n_trees=None):
    nodes = [n for t in trees for n in t]
    offs = [0]
    for t in trees:
        offs.append(offs[-1] + len(t))
    m.set("n_trees", len(trees) if n_trees is None else n_trees)
    m.set("n_nodes", len(nodes) if n_nodes is None else n_nodes)
    m.set("tree_group", bin_i32(groups if groups is not None else [0] * len(trees)))
    m.set("tree_offset", bin_i32(offsets if offsets is not None else offs))
    m.set("split_index", bin_i32([n[2] for n in nodes]))
    m.set("split_cond", bin_f32([n[3] for n in nodes]))
    m.set("left_child", bin_i32([n[0] for n in nodes]))
    m.set("right_child", bin_i32([n[1] for n in nodes]))
    m.set("default_left", bytes(n[4] for n in nodes))
    return m


def forest_case(m, edit=None, **kw):
    t = tree7()
    if edit:
        edit(t)
    return set_forest(m, [t], **kw)


def chain(depth):
    """A tree of `depth` levels: node 2i tests, its left child 2i+1 is a
    leaf, its right child 2i+2 the next test; the last node is a leaf."""
    nodes = [None] * (2 * depth + 1)
    for i in range(depth):
        nodes[2 * i] = [2 * i + 1, 2 * i + 2, 0, float(i), 0]
        nodes[2 * i + 1] = [-1, -1, 0, 0.0, 0]
    nodes[2 * depth] = [-1, -1, 0, 1.0, 0]
    return nodes


def cases(bases):
    out = []

    def add(name, base, detail, art, sqlstate="XX001"):
        if isinstance(art, Map):
            art = pack(art)
        out.append((name, base, sqlstate, detail, art.hex()))

    def m(base):
        return bases[base][1].copy()

    # positive controls: every base as re-encoded by msgpack_min, a
    # hand-made forest, and a tree exactly at the depth limit
    for b in sorted(bases):
        add("valid_" + b, b, "", m(b), "ok")
    add("valid_forest", "xgb_reg", "", forest_case(m("xgb_reg")), "ok")
    add("valid_depth_1024", "xgb_reg", "", set_forest(m("xgb_reg"), [chain(1024)]), "ok")

    raw_reg = bases["xgb_reg"][0]
    # --- the bytes
    add("empty", "xgb_reg", "The artifact is empty.", b"")
    bad = "The artifact is not a complete msgpack object (truncated or malformed bytes)."
    add("truncated", "xgb_reg", bad, raw_reg[:-10])
    add("nested_too_deep", "xgb_reg", bad, m("xgb_reg").set("zz", Raw(b"\x91" * 40 + b"\xc0")))
    # a map of one key whose value claims 2^32 - 1 elements
    add("count_past_end", "xgb_reg", bad, b"\xde\x00\x01" + pack("zz") + b"\xdd\xff\xff\xff\xff")
    add("reserved_byte_c1", "xgb_reg", bad, m("xgb_reg").set("zz", Raw(b"\xc1")))
    add("extra_bytes", "xgb_reg",
        "The artifact has extra bytes after the end of its msgpack object (1).", raw_reg + b"\x00")
    top = "The artifact's msgpack top level is invalid: %s."
    add("not_a_map", "xgb_reg", top % "not a map", pack([1, 2, 3]))
    many = m("xgb_reg")
    for i in range(65 - len(many)):
        many.append(("x%d" % i, i))
    add("too_many_keys", "xgb_reg", top % "too many keys", many)
    key1 = m("xgb_reg")
    key1.append((1, 2))
    add("key_not_str", "xgb_reg", top % "a key that is not a string", key1)
    dup = m("xgb_reg")
    dup.append(("task", "regression"))
    add("duplicate_key", "xgb_reg", 'Key "task" appears more than once.', dup)

    # --- header and generic field checks
    add("magic_missing", "xgb_reg", 'Key "magic" is missing.', m("xgb_reg").delete("magic"))
    add("magic_wrong", "xgb_reg", 'The magic string is not "pgml_worker".',
        m("xgb_reg").set("magic", "Pgml_worker"))
    add("version_type", "xgb_reg", 'Key "version" has type str, not positive integer.',
        m("xgb_reg").set("version", "1"))
    add("version_2", "xgb_reg", "Artifact format version 2 is not supported (expected 1).",
        m("xgb_reg").set("version", 2))
    add("task_unknown", "xgb_reg", 'Key "task" has an unknown value "regressio".',
        m("xgb_reg").set("task", "regressio"))
    add("n_features_0", "xgb_reg", 'Key "n_features" is 0, outside [1, %d].' % MAX_FEATURES,
        m("xgb_reg").set("n_features", 0))
    add("n_outputs_1025", "xgb_multi", 'Key "n_outputs" is 1025, outside [1, %d].' % MAX_CLASSES,
        m("xgb_multi").set("n_outputs", 1025))
    add("booster_str", "xgb_reg", 'Key "booster" has type str, not bin.',
        m("xgb_reg").set("booster", "ubj"))
    add("metrics_bin", "xgb_reg", 'Key "metrics" has type bin, not str.',
        m("xgb_reg").set("metrics", b"{}"))

    # --- task, algorithm, output and counts
    add("algorithm_task", "xgb_reg", 'Algorithm "kmeans" does not fit task "regression".',
        m("xgb_reg").set("algorithm", "kmeans"))
    add("regression_n_classes", "xgb_reg", "A regression model has n_classes 2, not 0.",
        m("xgb_reg").set("n_classes", 2))
    # two margins are a joint model's, which must output them as they are
    add("regression_n_outputs", "xgb_reg", 'A regression model of 2 targets has output "exp".',
        m("xgb_reg").set("n_outputs", 2).set("output", "exp"))
    add("regression_sigmoid", "xgb_reg", 'A regression model has output "sigmoid".',
        m("xgb_reg").set("output", "sigmoid"))
    add("linear_exp", "lin", 'A regression model has output "exp".', m("lin").set("output", "exp"))

    # --- AdaBoost.R2's weighted median: the trees of each target, weighed
    def median(weights, groups=None, trees=None):
        ts = trees if trees is not None else [tree7() for _ in weights]
        mm = set_forest(m("xgb_reg"), ts,
                        groups=groups if groups is not None else [0] * len(ts))
        return mm.set("output", "median").set("base_margin", 0.0).set("tree_weight", bin_f64(weights))
    add("valid_median", "xgb_reg", "", median([0.5, 1.0, 0.0]), "ok")
    # two targets of a model of xgb_multi's two numeric features
    joint = set_forest(m("xgb_multi"), [tree7(), tree7(), tree7()], groups=[0, 1, 1])
    add("valid_median_joint", "xgb_multi", "",
        joint.set("task", "regression").set("n_classes", 0).set("classes", bin_f64([]))
        .set("n_outputs", 2).set("output", "median").set("base_margin", 0.0)
        .set("tree_weight", bin_f64([0.5, 1.0, 2.0])), "ok")
    add("median_cover", "xgb_reg", "The trees of a median model cover 1 of its 2 targets.",
        median([0.5, 1.0], groups=[0, 0]).set("n_outputs", 2))
    add("median_weight_nan", "xgb_reg", "tree_weight[1] is NaN, not a finite number >= 0.",
        median([0.5, NAN, 1.0]))
    add("median_weight_negative", "xgb_reg", "tree_weight[2] is -1, not a finite number >= 0.",
        median([0.5, 1.0, -1.0]))
    add("median_group", "xgb_reg",
        "tree_group[1] of a median model is 2; its trees must come target by target, from 0 to 0.",
        median([0.5, 1.0], groups=[0, 2]))
    add("median_weights_short", "xgb_reg", 'Key "tree_weight" holds 16 bytes; 3 values of 8 bytes were expected.',
        median([0.5, 1.0, 2.0]).set("tree_weight", bin_f64([0.5, 1.0])))
    add("median_weights_missing", "xgb_reg", 'Key "tree_weight" is missing.',
        median([0.5, 1.0]).delete("tree_weight"))
    add("median_too_many_trees", "xgb_reg", "A median model has 1025 trees, more than 1024.",
        median([1.0] * 1025, trees=[[[-1, -1, 0, 0.5, 0]] for _ in range(1025)]))
    add("weight_not_median", "xgb_reg",
        'Key "tree_weight" is present, but the output is "identity", not "median".',
        m("xgb_reg").set("tree_weight", bin_f64([1.0])))
    add("median_classification", "xgb_bin", 'A classification model has output "median".',
        m("xgb_bin").set("output", "median"))
    add("classification_1_class", "xgb_bin",
        "A classification model has n_classes 1, fewer than 2.", m("xgb_bin").set("n_classes", 1))
    add("sigmoid_3_classes", "xgb_bin",
        "A sigmoid model has n_classes 3 and n_outputs 1, not 2 and 1.", m("xgb_bin").set("n_classes", 3))
    add("softmax_outputs", "xgb_multi", "A softmax model has n_outputs 2, not n_classes (3).",
        m("xgb_multi").set("n_outputs", 2))
    # averaged trees (random_forest...): one probability for two classes
    add("proba_outputs", "xgb_bin", "A proba model has n_classes 2 and n_outputs 2.",
        m("xgb_bin").set("output", "proba").set("n_outputs", 2))
    add("classification_identity", "xgb_bin", 'A classification model has output "identity".',
        m("xgb_bin").set("output", "identity"))
    add("clustering_n_classes", "km", "A clustering model has n_classes 2, not 0.",
        m("km").set("n_classes", 2))
    add("decomposition_sigmoid", "pca", 'A decomposition model has output "sigmoid".',
        m("pca").set("output", "sigmoid"))

    # --- classes and class names
    add("classes_size", "xgb_bin", 'Key "classes" holds 15 bytes; 2 values of 8 bytes were expected.',
        m("xgb_bin").set("classes", bytes(15)))
    add("class_label_nan", "xgb_multi", "Class label 1 is not finite.",
        with_f64(m("xgb_multi"), "classes", 1, NAN))
    add("class_labels_order", "xgb_multi", "Class labels are not strictly ascending at 2.",
        m("xgb_multi").set("classes", bin_f64([0.0, 2.0, 2.0])))
    add("class_names_str", "xgb_bin", 'Key "class_names" has type str, not array.',
        m("xgb_bin").set("class_names", "no,yes"))
    add("class_names_regression", "xgb_reg", "A regression model has class_names.",
        m("xgb_reg").set("class_names", ["a"]))
    add("class_names_count", "xgb_bin", 'Key "class_names" has 1 elements, not n_classes (2).',
        m("xgb_bin").set("class_names", ["no"]))
    add("class_name_type", "xgb_bin", "Class name 1 has type positive integer, not str.",
        m("xgb_bin").set("class_names", ["no", 5]))
    add("class_name_long", "xgb_bin",
        "Class name 0 is %d bytes long; at most %d are allowed." % (MAX_NAME + 1, MAX_NAME),
        m("xgb_bin").set("class_names", ["a" * (MAX_NAME + 1), "b"]))
    add("class_name_nul", "xgb_bin", "Class name 0 contains a NUL byte.",
        m("xgb_bin").set("class_names", [Str(b"n\x00o"), "yes"]))
    add("class_names_order", "xgb_bin", "Class names are not strictly ascending in byte order at 1.",
        m("xgb_bin").set("class_names", ["yes", "no"]))

    # --- text encoders: xgb_bin has one one_hot encoder (input 2, 3
    # categories), xgb_reg a target encoder (input 2) and an ordinal one
    # (input 3)
    bin_enc = i32s(m("xgb_bin").get("encoders"))
    assert bin_enc[:3] == [2, 2, 2], bin_enc
    n_inputs_bin = m("xgb_bin").get("n_inputs")
    n_features_bin = m("xgb_bin").get("n_features")
    reg_enc = i32s(m("xgb_reg").get("encoders"))
    assert reg_enc[0:3] == [2, 2, 3] and reg_enc[4:7] == [3, 3, 1], reg_enc
    add("encoder_keys_partial", "xgb_bin",
        "The encoder keys (n_inputs, encoders, category_len, category_bytes, target_value, unknown_value) are not all present.",
        m("xgb_bin").delete("unknown_value"))
    add("encoders_size", "xgb_bin",
        'Key "encoders" holds 15 bytes, not 16 for each of 1 to n_inputs (%d) encoders.' % n_inputs_bin,
        m("xgb_bin").set("encoders", bytes(15)))
    add("encoder_input_order", "xgb_reg",
        "Encoder 1 has input 2; inputs must ascend within [0, %d)." % m("xgb_reg").get("n_inputs"),
        with_i32(m("xgb_reg"), "encoders", 4, 2))
    add("encoder_kind", "xgb_bin", "Encoder 0 has kind 4, not 1, 2 or 3.",
        with_i32(m("xgb_bin"), "encoders", 2, 4))
    add("encoder_categories", "xgb_bin", "Encoder 0 has 0 categories, outside [1, %d]." % MAX_CATEGORIES,
        with_i32(m("xgb_bin"), "encoders", 3, 0))
    add("encoder_feature", "xgb_bin", "Encoder 0 starts at feature 3, not 2.",
        with_i32(m("xgb_bin"), "encoders", 1, 3))
    add("encoder_n_features", "xgb_bin",
        "n_inputs (%d) and the encoders give %d features, not n_features (%d)."
        % (n_inputs_bin, n_features_bin, n_features_bin + 1),
        m("xgb_bin").set("n_features", n_features_bin + 1))
    add("unknown_value_inf", "xgb_reg", "unknown_value[0] is not finite.",
        with_f64(m("xgb_reg"), "unknown_value", 0, INF))
    add("category_length", "xgb_bin",
        "Category 0 has length 2000, outside [0, %d] or past the end of category_bytes." % MAX_NAME,
        with_i32(m("xgb_bin"), "category_len", 0, 2000))
    cats = m("xgb_bin").get("category_bytes")
    lens = i32s(m("xgb_bin").get("category_len"))
    assert cats == b"bluegreenred" and lens == [4, 5, 3], (cats, lens)
    add("category_nul", "xgb_bin", "Category 0 contains a NUL byte.",
        m("xgb_bin").set("category_bytes", b"b\x00uegreenred"))
    add("categories_order", "xgb_bin",
        "The categories of encoder 0 are not strictly ascending in byte order at 1.",
        m("xgb_bin").set("category_bytes", b"greenbluered").set("category_len", bin_i32([5, 4, 3])))
    add("target_value_nan", "xgb_reg", "target_value[1] is not finite.",
        with_f64(m("xgb_reg"), "target_value", 1, NAN))
    add("category_bytes_sum", "xgb_bin",
        'Key "category_bytes" holds 13 bytes; the lengths add up to 12.',
        m("xgb_bin").set("category_bytes", cats + b"x"))

    # --- preprocessing (xgb_bin and lin have it; feature 0 is imputed)
    add("preprocess_partial", "lin",
        "The preprocessing keys (impute, impute_value, center, scale) are not all present.",
        m("lin").delete("scale"))
    imp = bytearray(m("lin").get("impute"))
    imp[0] = 3
    add("impute_rule", "lin", "impute[0] is 3, not 0, 1 or 2.", m("lin").set("impute", bytes(imp)))
    imp[0] = 1
    add("impute_value_nan", "lin", "impute_value[0] is not finite.",
        with_f64(m("lin").set("impute", bytes(imp)), "impute_value", 0, NAN))
    add("center_inf", "xgb_bin", "center[1] is not finite.", with_f64(m("xgb_bin"), "center", 1, -INF))
    add("scale_zero", "lin", "scale[1] is zero or not finite.", with_f64(m("lin"), "scale", 1, 0.0))

    # --- k-means, PCA, linear
    k = m("km").get("n_clusters")
    add("n_clusters", "km", 'Key "n_clusters" is %d, not n_outputs (%d).' % (k + 1, k),
        m("km").set("n_clusters", k + 1))
    add("centroid_nan", "km", 'Value 1 of "centroids" is not finite.', with_f64(m("km"), "centroids", 1, NAN))
    add("component_inf", "pca", 'Value 0 of "components" is not finite.',
        with_f64(m("pca"), "components", 0, INF))
    add("pca_mean_nan", "pca", 'Value 1 of "pca_mean" is not finite.', with_f64(m("pca"), "pca_mean", 1, NAN))
    add("coef_nan", "logit", "Coefficient 0 is not finite.", with_f64(m("logit"), "coef", 0, NAN))
    add("intercept_inf", "lin", "Intercept 0 is not finite.", with_f64(m("lin"), "intercept", 0, INF))
    n_coef = len(m("lin").get("coef")) // 8
    add("coef_size", "lin", 'Key "coef" holds %d bytes; %d values of 8 bytes were expected.'
        % (8 * n_coef - 8, n_coef), m("lin").set("coef", m("lin").get("coef")[:-8]))

    # --- trees (xgb_reg: 4 features, regression, one output)
    nf = m("xgb_reg").get("n_features")
    add("base_margin_nan", "xgb_reg", "base_margin is not finite.", m("xgb_reg").set("base_margin", F32(NAN)))
    add("base_margin_type", "xgb_reg", 'Key "base_margin" has type str, not float.',
        m("xgb_reg").set("base_margin", "0.5"))
    add("n_nodes_lt_n_trees", "xgb_reg", "n_nodes (2) is less than n_trees (3).",
        m("xgb_reg").set("n_trees", 3).set("n_nodes", 2))
    add("n_trees_range", "xgb_reg", 'Key "n_trees" is %d, outside [0, %d].' % ((1 << 24) + 1, 1 << 24),
        m("xgb_reg").set("n_trees", (1 << 24) + 1))
    add("split_index_size", "xgb_reg", 'Key "split_index" holds 27 bytes; 7 values of 4 bytes were expected.',
        forest_case(m("xgb_reg")).set("split_index", bytes(27)))
    add("tree_offset_0", "xgb_reg", "tree_offset[0] is 1, not 0.",
        forest_case(m("xgb_reg"), offsets=[1, 7]))
    add("tree_offset_last", "xgb_reg", "tree_offset[1] is 6, not n_nodes (7).",
        forest_case(m("xgb_reg"), offsets=[0, 6]))
    add("tree_offset_order", "xgb_reg",
        "tree_offset is not strictly increasing within n_nodes at tree 0 (0, 0).",
        set_forest(m("xgb_reg"), [[], tree7()], groups=[0, 0]))
    add("tree_group", "xgb_reg", "tree_group[0] is 1, outside [0, 1).",
        forest_case(m("xgb_reg"), groups=[1]))

    def node(i, **kv):
        def edit(t):
            for f, v in kv.items():
                t[i][{"left": 0, "right": 1, "split": 2, "cond": 3, "dleft": 4}[f]] = v
        return edit

    add("default_left_2", "xgb_reg", "default_left of node 0 of tree 0 is 2, not 0 or 1.",
        forest_case(m("xgb_reg"), node(0, dleft=2)))
    add("leaf_right_child", "xgb_reg", "Node 3 of tree 0 has left child -1 but right child 4.",
        forest_case(m("xgb_reg"), node(3, right=4)))
    add("leaf_nan", "xgb_reg", "Leaf 3 of tree 0 has a non-finite value.",
        forest_case(m("xgb_reg"), node(3, cond=NAN)))
    add("leaf_inf", "xgb_reg", "Leaf 6 of tree 0 has a non-finite value.",
        forest_case(m("xgb_reg"), node(6, cond=-INF)))
    children = ("Node %d of tree 0 has children %d and %d; children must be distinct, "
                "greater than the node and less than the tree size 7.")
    add("child_self", "xgb_reg", children % (0, 0, 2), forest_case(m("xgb_reg"), node(0, left=0)))
    add("child_past_end", "xgb_reg", children % (2, 5, 7), forest_case(m("xgb_reg"), node(2, right=7)))
    add("children_equal", "xgb_reg", children % (1, 3, 3), forest_case(m("xgb_reg"), node(1, right=3)))
    add("child_before_parent", "xgb_reg", children % (2, 1, 6), forest_case(m("xgb_reg"), node(2, left=1)))
    add("two_parents", "xgb_reg", "A node of tree 0 has more than one parent.",
        forest_case(m("xgb_reg"), node(2, left=4)))
    add("split_index_range", "xgb_reg", "split_index of node 2 of tree 0 is %d, outside [0, %d)." % (nf, nf),
        forest_case(m("xgb_reg"), node(2, split=nf)))
    add("split_index_negative", "xgb_reg", "split_index of node 0 of tree 0 is -1, outside [0, %d)." % nf,
        forest_case(m("xgb_reg"), node(0, split=-1)))
    add("split_cond_nan", "xgb_reg", "split_cond of node 1 of tree 0 is NaN.",
        forest_case(m("xgb_reg"), node(1, cond=NAN)))
    add("tree_too_deep", "xgb_reg", "Tree 0 has 1025 levels; at most 1024 are supported.",
        set_forest(m("xgb_reg"), [chain(1025)]), "54000")
    return out


def main():
    d = sys.argv[1]
    bases = load(d)
    rows = cases(bases)
    names = [r[0] for r in rows]
    assert len(names) == len(set(names)), "duplicate case names"
    with open(os.path.join(d, "cases.tsv"), "w") as f:
        for r in rows:
            assert "\t" not in r[3] and "\n" not in r[3]
            f.write("\t".join(r) + "\n")
    print(len(rows))


if __name__ == "__main__":
    main()
