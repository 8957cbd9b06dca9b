#!/usr/bin/env bash
# Runs every PDF of ../shared/corpus/ and ../shared/corpus/peers/ through
# `eingang ocr` and checks each output against its input with independent
# tools (issue 18.1):
#   pixels  every page rendered by poppler at 72 dpi (the test suite uses
#           1024 px) before and after, the output's /Rotate set back to the
#           input's by qpdf; ImageMagick counts pixels differing by more than
#           1 % — must be 0
#   text    pdftotext's non-space characters per page must not shrink
#   qpdf    qpdf --check on the output
#   pdfcpu  pdfcpu's validator (bench/pdfvalidate) on the output, where the
#           input passes it
# A file eingang refuses (encrypted, corrupt …) is listed with its reason;
# that is an outcome, not a failure. Exit status 1 if any output fails a
# check. Usage: bench/ocr-corpus.sh [DIR …]   (default: the shared corpus)
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
dirs=("$@")
[ ${#dirs[@]} -eq 0 ] && dirs=("$root/../shared/corpus")
for t in pdftoppm pdftotext pdfinfo qpdf compare; do
  command -v $t >/dev/null || { echo "missing $t: sudo apt-get install -y poppler-utils qpdf imagemagick" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/eingang" ./cmd/eingang || exit 2
go build -o "$tmp/pdfcpu" ./bench/pdfvalidate || exit 2

rotations() { pdfinfo -f 1 -l 100000 "$1" 2>/dev/null | awk '/^Page +[0-9]+ rot:/ {print $4}'; }
chars() { pdftotext -q "$1" - 2>/dev/null | awk 'BEGIN{RS="\f"} {gsub(/[[:space:]]/,""); print length($0)}'; }

files=0 written=0 refused=0 bad=0
start=$(date +%s)
printf 'file\tpages\tresult\tdiffering_pixels\ttext_in\ttext_out\tqpdf\tpdfcpu\n'
while IFS= read -r -d '' f; do
  files=$((files+1))
  rel=${f#"$root/../shared/corpus/"}
  out="$tmp/out.pdf"; rm -f "$out"
  if ! err=$("$tmp/eingang" ocr -workers 2 "$f" -o "$out" 2>&1 >/dev/null); then
    refused=$((refused+1))
    printf '%s\t\trefused: %s\n' "$rel" "$(echo "$err" | head -1 | cut -c1-160)"
    continue
  fi
  written=$((written+1))
  mapfile -t rin < <(rotations "$f")
  mapfile -t rout < <(rotations "$out")
  n=${#rin[@]}
  problems=""
  [ "${#rout[@]}" -ne "$n" ] && problems+=" page-count:${#rout[@]}/$n"
  # Set each page's rotation back to the input's, so that the renders
  # compare pixel by pixel.
  args=()
  for ((i=0; i<n; i++)); do args+=("--rotate=${rin[$i]}:$((i+1))"); done
  qpdf "$out" "${args[@]}" -- "$tmp/unturned.pdf" 2>/dev/null; [ $? -le 3 ] || problems+=" qpdf-rotate"
  rm -rf "$tmp/r"; mkdir -p "$tmp/r"
  pdftoppm -q -r 72 -gray "$f" "$tmp/r/a"
  pdftoppm -q -r 72 -gray "$tmp/unturned.pdf" "$tmp/r/b"
  mapfile -t ra < <(ls "$tmp/r"/a*.pgm 2>/dev/null | sort)
  mapfile -t rb < <(ls "$tmp/r"/b*.pgm 2>/dev/null | sort)
  diff=0
  [ "${#ra[@]}" -ne "${#rb[@]}" ] && problems+=" renders:${#rb[@]}/${#ra[@]}"
  for ((i=0; i<${#ra[@]} && i<${#rb[@]}; i++)); do
    d=$(compare -metric AE -fuzz 1% "${ra[$i]}" "${rb[$i]}" null: 2>&1 | awk '{print int($1)}')
    [ -z "$d" ] && d=999999
    diff=$((diff+d))
    [ "$d" -ne 0 ] && problems+=" pixels-p$((i+1)):$d"
  done
  mapfile -t cin < <(chars "$f")
  mapfile -t cout < <(chars "$out")
  tin=0 tout=0
  for ((i=0; i<${#cin[@]}; i++)); do
    tin=$((tin+cin[i])); tout=$((tout+${cout[$i]:-0}))
    [ "${cout[$i]:-0}" -lt "${cin[$i]}" ] && problems+=" text-p$((i+1)):${cout[$i]:-0}<${cin[$i]}"
  done
  qpdf --check "$out" >/dev/null 2>&1; q=$?
  case $q in 0) qs=ok;; 3) qs=warnings;; *) qs=fail; problems+=" qpdf-check";; esac
  if "$tmp/pdfcpu" "$f" >/dev/null 2>&1; then
    if "$tmp/pdfcpu" "$out" >/dev/null 2>&1; then ps=ok; else ps=fail; problems+=" pdfcpu"; fi
  else
    ps="input-invalid"
  fi
  result=ok
  [ -n "$problems" ] && { result="FAIL:$problems"; bad=$((bad+1)); }
  printf '%s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\n' "$rel" "$n" "$result" "$diff" "$tin" "$tout" "$qs" "$ps"
done < <(find "${dirs[@]}" -type f -iname '*.pdf' -print0 | sort -z)
echo "summary: $files PDFs, $written written, $refused refused with a reason, $bad outputs failing a check; $(( $(date +%s) - start )) s on $(nproc) CPUs" >&2
[ "$bad" -eq 0 ]
