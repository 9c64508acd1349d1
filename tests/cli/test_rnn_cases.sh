# test_rnn_cases.sh - LSTM, GRU and RNN beyond the ONNX vectors: the cases
# under tests/data/rnn (made by scripts/make_rnn_cases.py) cover every
# direction, sequence_lens, initial states, peepholes, input_forget, GRU's
# linear_before_reset 0 and 1, activations with alpha/beta, clip, layout 1
# and optional outputs, against a numpy oracle of the ONNX equations; and
# nn.LSTM / nn.GRU / nn.RNN exported by torch.onnx.export against PyTorch's
# own outputs.  Each must pass on ref and on cpu, and `run` must show cpu
# within float rounding of ref on the exported bidirectional LSTM.
. "$(dirname "$0")/lib.sh"
CONF=./$BUILD/tests/test_onnx_node
DATA=tests/data/rnn

n=0
args=""
for d in "$DATA"/*/; do
    args="$args --case ${d%/}"
    n=$((n + 1))
done
[ "$n" -ge 13 ] || { echo "FAIL only $n cases under $DATA"; FAILS=$((FAILS + 1)); }
for r in ref cpu; do
    # shellcheck disable=SC2086
    expect 0 "$r runs the recurrent cases" -- "$CONF" --runner "$r" $args
    contains "$TMP/out" "$r runner): $n passed, 0 failed, 0 skipped" "every recurrent case passes on $r"
done

M=$DATA/torch_lstm_bidir_2layers/model.onnx
expect 0 "run the exported LSTM on ref and cpu" -- "$EDGEBENCH" run "$M" -v ref -v cpu -n 2 --warmup 0 \
    --min-time 0 --format csv
cp "$TMP/out" "$TMP/lstm.csv"
# drift_max_abs of cpu against ref: float rounding, not an error
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "drift_max_abs") c = i }
         NR > 1 && $3 == "cpu" { found = 1; if ($8 != "ok" || $c == "" || $c + 0 > 1e-5) bad = 1 }
         END { exit !(found && !bad && c) }' "$TMP/lstm.csv" &&
    PASSES=$((PASSES + 1)) || { echo "FAIL cpu's drift on the LSTM:"; cat "$TMP/lstm.csv"; FAILS=$((FAILS + 1)); }
finish
