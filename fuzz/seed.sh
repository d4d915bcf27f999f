#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the broken-file corpus (tests/data/broken):
# every file for read_file; for load_series, the partial series and the DICOMDIR case as
# `--FILE--`-separated blobs, plus pairs of corpus files.
set -euo pipefail
cd "$(dirname "$0")"
B=../tests/data/broken
mkdir -p corpus/read_file corpus/load_series
# the two deflate bombs are left out: 1-2 s a run under ASan, its mutations starve the fuzzer
find "$B" -type f ! -name '*.md' ! -name '*.json' ! -name 'deflated_item_bomb.dcm' ! -name 'deflated_zip_bomb.dcm' -exec cp {} corpus/read_file/ \;
# (files of the same name in the two folders: keep both)
i=0
for f in "$B"/partial_series/*; do cp "$f" "corpus/read_file/partial_$((i++))"; done
sep() { printf -- '--FILE--'; }
{ cat "$B/dicomdir_missing_file/DICOMDIR"; sep; cat "$B/dicomdir_missing_file/IMAGES/IM1"; sep; cat "$B/valid_ct.dcm"; sep; cat "$B/dicomdir_missing_file/IMAGES/IM3"; } > corpus/load_series/dicomdir
{ printf 'x'; for f in "$B"/partial_series/slice*.dcm; do sep; cat "$f"; done; } > corpus/load_series/partial_series
for a in valid_ct valid_rle valid_implicit_vr missing_ipp_iop nested_12_levels; do
  { printf 'x'; sep; cat "$B/$a.dcm"; sep; cat "$B/partial_series/slice2.dcm"; sep; cat "$B/rle_corrupt.dcm"; } > "corpus/load_series/$a"
done
echo "seeds: $(ls corpus/read_file | wc -l) read_file, $(ls corpus/load_series | wc -l) load_series"
