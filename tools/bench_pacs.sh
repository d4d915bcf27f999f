#!/usr/bin/env bash
# tools/bench_pacs.sh [ANCHORAGE_BIN] -- retrieve a 300-slice CT from a local Orthanc with
# Anchorage (C-GET and C-MOVE) and with DCMTK's getscu and movescu, in one run, same study.
#
# Generates the large phantom (512 x 512 x 300 CT, `anchorage phantom --large`), starts a
# private Orthanc (Debian `orthanc`) on free loopback ports with its storage in a temporary
# folder, loads the CT by its REST API, then times each client RUNS times (default 3) and
# prints the best and median wall-clock seconds and the ratio to DCMTK (given its largest
# receive PDU, 128 KiB; with its 16 KiB default it is far slower). Everything is
# removed on exit. Needs: Orthanc, dcmtk (getscu, movescu, dcmdump), curl, python3.
#
#   cargo build --release && tools/bench_pacs.sh            # target/release/anchorage
#   RUNS=5 tools/bench_pacs.sh target/debug/anchorage
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-${ANCHORAGE_BIN:-target/release/anchorage}}
RUNS=${RUNS:-3}
[ -x "$BIN" ] || { echo "bench_pacs: no anchorage binary at $BIN (cargo build --release)" >&2; exit 1; }
ORTHANC=$(command -v Orthanc || echo /usr/sbin/Orthanc)
[ -x "$ORTHANC" ] || { echo "bench_pacs: Orthanc is not installed (apt-get install orthanc)" >&2; exit 1; }
for t in getscu movescu dcmdump curl python3; do
    command -v "$t" >/dev/null || { echo "bench_pacs: $t is missing" >&2; exit 1; }
done

work=$(mktemp -d /tmp/anchorage-bench-pacs.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DICOM=$(free_port); HTTP=$(free_port); MOVE=$(free_port)

echo "bench_pacs: generating the 300-slice phantom" >&2
"$BIN" phantom --out "$work/phantom" --large >/dev/null
CT="$work/phantom/ct"
N=$(ls "$CT" | wc -l)
BYTES=$(du -sb "$CT" | cut -f1)

cat >"$work/orthanc.json" <<JSON
{ "Name": "anchorage-bench", "StorageDirectory": "$work/storage", "IndexDirectory": "$work/storage",
  "StorageCompression": false, "HttpPort": $HTTP, "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false, "DicomAet": "ORTHANC", "DicomPort": $DICOM,
  "DicomCheckCalledAet": true, "DicomAlwaysAllowEcho": true, "DicomAlwaysAllowStore": true,
  "DicomAlwaysAllowFind": true, "DicomAlwaysAllowGet": true, "DicomAlwaysAllowMove": true,
  "DicomModalities": { "anchorage": ["ANCHORAGE", "127.0.0.1", $MOVE] },
  "DicomCheckModalityHost": false, "DicomAssociationCloseDelay": 0, "Plugins": [],
  "SaveJobs": false, "LogExportedResources": false }
JSON
"$ORTHANC" "$work/orthanc.json" >"$work/orthanc.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$HTTP/system" >/dev/null && break
    sleep 0.1
done
echo "bench_pacs: loading $N files into Orthanc" >&2
for f in "$CT"/*; do
    curl -sf -X POST --data-binary @"$f" "http://127.0.0.1:$HTTP/instances" >/dev/null
done
STUDY=$(dcmdump -q +P 0020,000d "$(ls "$CT"/* | head -1)" | sed 's/.*\[\(.*\)\].*/\1/')

# Runs one client RUNS times into a fresh folder each; prints "best median".
time_it() {
    local name=$1; shift
    local times=()
    for r in $(seq 1 "$RUNS"); do
        local out="$work/out-$name-$r"
        mkdir -p "$out"
        local t0 t1
        t0=$(date +%s.%N)
        "$@" "$out" >"$work/$name.log" 2>&1 || { echo "bench_pacs: $name failed:" >&2; cat "$work/$name.log" >&2; exit 1; }
        t1=$(date +%s.%N)
        local got
        got=$(find "$out" -type f | wc -l)
        [ "$got" -eq "$N" ] || { echo "bench_pacs: $name wrote $got of $N files" >&2; exit 1; }
        times+=("$(echo "$t1 - $t0" | bc -l)")
        rm -rf "$out"
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f %.3f\n", a[1], a[int((NR+1)/2)]}'
}
a_get()  { "$BIN" pacs retrieve --pacs "ORTHANC@127.0.0.1:$DICOM" --aet ANCHORAGE --study "$STUDY" --out "$1"; }
a_move() { "$BIN" pacs retrieve --pacs "ORTHANC@127.0.0.1:$DICOM" --aet ANCHORAGE --study "$STUDY" --out "$1" --method move --port "$MOVE"; }
# DCMTK since 3.6.2 leaves Nagle's algorithm on unless NO_TCPDELAY=1 (its envvars.txt);
# with it on, each instance waits for a delayed ACK (~40 ms here). Both are timed.
d_get()  { getscu -S --max-pdu 131072 -aet ANCHORAGE -aec ORTHANC -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=$STUDY" -od "$1" 127.0.0.1 "$DICOM"; }
d_move() { movescu -S --max-pdu 131072 -aet ANCHORAGE -aec ORTHANC -aem ANCHORAGE --port "$MOVE" -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=$STUDY" -od "$1" 127.0.0.1 "$DICOM"; }
n_get()  { NO_TCPDELAY=1; export NO_TCPDELAY; d_get "$@"; local rc=$?; unset NO_TCPDELAY; return $rc; }
n_move() { NO_TCPDELAY=1; export NO_TCPDELAY; d_move "$@"; local rc=$?; unset NO_TCPDELAY; return $rc; }

echo "bench_pacs: timing ($RUNS runs each)" >&2
read -r ag_b ag_m < <(time_it anchorage-get a_get)
read -r dg_b dg_m < <(time_it getscu d_get)
read -r am_b am_m < <(time_it anchorage-move a_move)
read -r dm_b dm_m < <(time_it movescu d_move)
read -r ng_b ng_m < <(time_it getscu-nodelay n_get)
read -r nm_b nm_m < <(time_it movescu-nodelay n_move)
printf 'study: %d instances, %.1f MB, Orthanc %s, %s\n' "$N" "$(echo "$BYTES/1000000" | bc -l)" \
    "$("$ORTHANC" --version | head -1 | awk '{print $2}')" "$BIN"
printf '%-16s %8s %8s %8s\n' client best_s median_s ratio
printf '%-16s %8.3f %8.3f %8.2f\n' "anchorage C-GET" "$ag_b" "$ag_m" "$(echo "$ag_m / $dg_m" | bc -l)"
printf '%-16s %8.3f %8.3f %8s\n' "dcmtk getscu" "$dg_b" "$dg_m" "1.00"
printf '%-16s %8.3f %8.3f %8.2f\n' "anchorage C-MOVE" "$am_b" "$am_m" "$(echo "$am_m / $dm_m" | bc -l)"
printf '%-16s %8.3f %8.3f %8s\n' "dcmtk movescu" "$dm_b" "$dm_m" "1.00"
printf 'with NO_TCPDELAY=1 (DCMTK without Nagle), the fair comparison:\n'
printf '%-16s %8.3f %8.3f %8.2f\n' "anchorage C-GET" "$ag_b" "$ag_m" "$(echo "$ag_m / $ng_m" | bc -l)"
printf '%-16s %8.3f %8.3f %8s\n' "getscu nodelay" "$ng_b" "$ng_m" "1.00"
printf '%-16s %8.3f %8.3f %8.2f\n' "anchorage C-MOVE" "$am_b" "$am_m" "$(echo "$am_m / $nm_m" | bc -l)"
printf '%-16s %8.3f %8.3f %8s\n' "movescu nodelay" "$nm_b" "$nm_m" "1.00"
