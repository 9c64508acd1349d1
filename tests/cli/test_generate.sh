# test_generate.sh - `edgebench run --scenario generate` on the zoo's byte-
# level decoder (fortunes-gpt, fortunes-gpt-kv): the KV-cache generation
# gives exactly the tokens of the full-sequence model re-run on the growing
# sequence (ref), the records carry sane figures (tokens/s > 0, TTFT within
# the total, KV bytes of the cache's shape), the sweep axes expand, --eval
# gives the perplexity PyTorch measured on the same windows, and bad flags
# or a model that is not a decoder are refused with exit 2.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CORPUS=/usr/share/games/fortunes

if [ ! -d "$CORPUS" ]; then
    echo "FAIL generate scenario: $CORPUS missing (make deps installs the Debian package fortunes)"
    FAILS=$((FAILS + 1))
    finish
    exit $?
fi

RUN="$EDGEBENCH run --scenario generate --timeout 600"
expect 0 "generate with the KV model, ref and cpu" -- $RUN zoo:fortunes-gpt-kv --prompt 8 --gen 8 --eval 0 \
    -v ref -v cpu -o "$TMP/kv.json"
contains "$TMP/out" "tg tok/s" "the table has the decode tokens/s column"
contains "$TMP/out" "TTFT" "the table has time to first token"
expect 0 "generate with the full-sequence model" -- $RUN zoo:fortunes-gpt --prompt 8 --gen 8 --eval 0 \
    -v ref -v cpu -o "$TMP/full.json"
expect 0 "records: KV tokens = full-sequence tokens, sane figures, schema" -- "$PY" - "$TMP/kv.json" "$TMP/full.json" \
    reports/results-schema.json <<'PYEOF'
import json, sys, jsonschema
kv, full = (json.load(open(p)) for p in sys.argv[1:3])
schema = json.load(open(sys.argv[3]))
for doc in (kv, full):
    jsonschema.validate(doc, schema)
    assert len(doc["results"]) == 2, len(doc["results"])
    for r in doc["results"]:
        assert r["status"] == "ok", (r["variant"]["spec"], r["error"])
        g = r["generate"]
        assert g["prompt_tokens"] == 8 and g["gen_tokens"] == 8 and g["decode_steps"] == 7, g
        assert len(g["tokens"]) == 8 and all(0 <= t < 256 for t in g["tokens"]), g["tokens"]
        assert g["prefill_tokens_per_s"] > 0 and g["decode_tokens_per_s"] > 0, g
        assert 0 < g["ttft_ms"] <= g["total_ms"], g
        lat = g["decode_latency_ms"]
        assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"], lat
        assert g["peak_rss_bytes"] > 0, g
        assert g["quality"]["available"] is False and g["quality"]["perplexity"] is None, g["quality"]
kvg = {r["variant"]["spec"]: r["generate"] for r in kv["results"]}
fullg = {r["variant"]["spec"]: r["generate"] for r in full["results"]}
assert kvg["ref"]["mode"] == "kv-cache" and fullg["ref"]["mode"] == "full-sequence"
# 4 layers x key and value x 4 heads x 24 x (8 + 7 positions) x 4 bytes
assert kvg["ref"]["kv_cache_bytes"] == 4 * 2 * 4 * 24 * 15 * 4, kvg["ref"]["kv_cache_bytes"]
assert fullg["ref"]["kv_cache_bytes"] == 0
# the cache changes how, not what: the same greedy tokens
assert kvg["ref"]["tokens"] == fullg["ref"]["tokens"], (kvg["ref"]["tokens"], fullg["ref"]["tokens"])
assert kvg["cpu"]["tokens"] == kvg["ref"]["tokens"], (kvg["cpu"]["tokens"], kvg["ref"]["tokens"])
print("tokens", kvg["ref"]["tokens"])
PYEOF

# the sweep axes, and --eval: perplexity on the 16 windows PyTorch scored
expect 0 "sweep --prompt {4,8} --gen {2,3} with --eval 16" -- $RUN zoo:fortunes-gpt-kv --prompt '{4,8}' \
    --gen '{2,3}' -v ref -v 'cpu:quant=int8' --eval 16 -o "$TMP/sweep.json"
expect 0 "4 rows per variant; ref perplexity = PyTorch's; drift fields" -- "$PY" - "$TMP/sweep.json" \
    models/zoo/manifest.json <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1]))
man = {m["name"]: m for m in json.load(open(sys.argv[2]))["models"]}
rows = [(r["variant"]["spec"], r["generate"]["prompt_tokens"], r["generate"]["gen_tokens"]) for r in doc["results"]]
assert sorted(rows) == sorted((v, p, g) for v in ("ref", "cpu:quant=int8") for p in (4, 8) for g in (2, 3)), rows
for r in doc["results"]:
    q = r["generate"]["quality"]
    assert q["available"] and q["windows"] == 16, q
    want = man["fortunes-gpt-kv"]["pytorch_perplexity_16"]
    assert abs(q["pytorch_perplexity"] - want) < 1e-9, q
    if r["variant"]["spec"] == "ref":
        assert abs(q["perplexity"] - want) / want < 1e-3, (q["perplexity"], want)
        assert q["kl_mean"] is None and q["perplexity_delta"] is None
    else:
        assert q["kl_mean"] >= 0 and 0 <= q["top1_agreement"] <= 1, q
        assert q["perplexity_delta"] is not None and q["tokens_before_divergence"] is not None, q
PYEOF

# bad input: exit 2, a clear message
expect 2 "--gen 0" -- $RUN zoo:fortunes-gpt-kv --gen 0
contains "$TMP/err" "--gen 0" "--gen 0 is named"
expect 2 "--prompt x" -- $RUN zoo:fortunes-gpt-kv --prompt x
expect 2 "an unknown scenario" -- "$EDGEBENCH" run --scenario nope zoo:fortunes-gpt-kv
contains "$TMP/err" "unknown scenario" "the scenario is named"
expect 2 "generate on an image classifier" -- $RUN zoo:fmnist-mlp --prompt 4 --gen 2
contains "$TMP/err" "not a decoder" "a non-decoder is explained"
expect 2 "cache names that do not match (--kv-past)" -- $RUN zoo:fortunes-gpt-kv --kv-past cache --prompt 4 --gen 2
contains "$TMP/err" "past_key_values.0.key" "the unmatched input is named"
expect 2 "prompt + gen beyond the context" -- $RUN zoo:fortunes-gpt-kv --prompt 200 --gen 100
contains "$TMP/err" "positions" "the context limit is explained"
expect 2 "generate with no model" -- $RUN --prompt 4 --gen 2
expect 2 "--prompt without --scenario generate" -- "$EDGEBENCH" run zoo:fmnist-mlp --prompt 4
finish
