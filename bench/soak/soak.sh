#!/usr/bin/env bash
# soak.sh DIR — runs `eingang inspect` on every file under DIR, one at a
# time, and prints one table row per file: what eingang decided, and for a
# refusal whether a standard viewer (poppler for PDFs, xmllint for XML)
# opens the file, so that a refusal of a file people can open stands out.
#
#   EINGANG=/path/to/eingang  (default: eingang on PATH)
#   TIMEOUT=180               seconds per file; a file still running is "stuck"
#   OUT=DIR                   keeps each file's JSON and stderr (default: a temp dir)
#
# Outcomes: delivered (serve would sign or deliver), unpacked (mail or
# archive: its attachments become documents), failed (error folder, with
# the clerk's German sentence), retried (a transient failure), crash (exit
# code above 2 or a Go panic), stuck (timeout). Exit code 1 if any file
# crashed or got stuck.
set -u
dir=${1:?usage: soak.sh DIR}
eingang=${EINGANG:-eingang}
limit=${TIMEOUT:-180}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
# No config file: the built-in defaults, as a new user runs inspect.
export EINGANG_CONFIG=
bad=0
n=0
declare -A count
printf '| file | kind | outcome | reason | seconds | viewer |\n|---|---|---|---|---|---|\n'
# soak_one FILE LABEL: one table row for FILE; for a mail or archive that
# eingang unpacks, also one row per attachment (taken out with Python's
# own mail and zip readers, so that the attachments are judged too).
soak_one() {
	local f=$1 rel=$2
	n=$((n + 1))
	local key start rc secs format next reason retried outcome viewer kind first
	key=$(printf '%04d' "$n")
	start=$(date +%s.%N)
	timeout -k 10 "$limit" "$eingang" inspect --format json "$f" >"$out/$key.json" 2>"$out/$key.err"
	rc=$?
	secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
	format=$(jq -r '.format // ""' "$out/$key.json" 2>/dev/null)
	next=$(jq -r '.next // ""' "$out/$key.json" 2>/dev/null)
	reason=$(jq -r '.error_de // ""' "$out/$key.json" 2>/dev/null)
	retried=$(jq -r '.retried // false' "$out/$key.json" 2>/dev/null)
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		outcome=stuck
	elif [ "$rc" -gt 2 ] || grep -q -e '^panic:' -e 'goroutine [0-9]* \[running\]' "$out/$key.err"; then
		outcome=crash
	elif [ "$rc" -eq 2 ]; then
		outcome="usage error"
		reason=$(head -c 200 "$out/$key.err" | tr '\n|' '  ')
	elif [ "$next" = error ] && [ "$retried" = true ]; then
		outcome=retried
	elif [ "$next" = error ]; then
		outcome=failed
	elif [ "$next" = unpack ]; then
		outcome="unpacked ($(jq -r '.unpacked | length' "$out/$key.json") files)"
	else
		outcome=delivered
	fi
	case $outcome in stuck | crash) bad=1 ;; esac
	# Would a standard viewer open it? Asked only where eingang refused.
	viewer=
	if [ "$outcome" != delivered ] && [ "${outcome%% *}" != unpacked ]; then
		# Intake names no format for a file it refuses: sniff it here.
		kind=$format
		if [ -z "$kind" ]; then
			first=$(head -c 1024 "$f" | tr -d '\0')
			case $first in
			*%PDF-*) kind=pdf ;;
			'<'* | $'\xef\xbb\xbf<'* | [[:space:]]'<'*) kind=xml ;;
			*) head -n 60 "$f" | grep -qiE '^(from|subject|content-type):' && kind=eml ;;
			esac
		fi
		case $kind in
		pdf)
			if timeout 60 pdftoppm -r 10 -f 1 -l 1 "$f" "$out/$key-page" >/dev/null 2>"$out/$key.viewer" && ls "$out/$key-page"* >/dev/null 2>&1; then
				viewer="poppler opens it"
			elif grep -qi password "$out/$key.viewer"; then
				viewer="poppler: needs a password"
			else
				viewer="poppler cannot open it"
			fi
			rm -f "$out/$key-page"*
			;;
		xml)
			if timeout 60 xmllint --noout --nonet "$f" >/dev/null 2>&1; then
				viewer="well-formed XML"
			else
				viewer="xmllint: not well-formed"
			fi
			;;
		eml)
			# What a mail client shows as attachments (Python's parser).
			viewer=$(python3 -c '
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
a = [p.get_content_type() for p in m.walk() if not p.is_multipart() and (p.get_filename() or p.get_content_maintype() not in ("text", "message"))]
print("mail client: %d attachments %s" % (len(a), " ".join(sorted(set(a)))))' "$f" 2>/dev/null || echo "mail client: unreadable")
			;;
		esac
	fi
	count[${outcome%% *}]=$((${count[${outcome%% *}]:-0} + 1))
	printf '| %s | %s | %s | %s | %s | %s |\n' "$rel" "${format:--}" "$outcome" "$(printf '%s' "$reason" | tr '\n|' '  ')" "$secs" "$viewer"
	if [ "${outcome%% *}" = unpacked ]; then
		mkdir -p "$out/$key-parts"
		python3 - "$f" "$out/$key-parts" <<'PY'
import email, email.policy, os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
def save(i, name, data):
    name = os.path.basename(name or "part-%d" % i) or "part-%d" % i
    with open(os.path.join(dst, "%02d-%s" % (i, name)), "wb") as f:
        f.write(data)
if zipfile.is_zipfile(src):
    with zipfile.ZipFile(src) as z:
        for i, n in enumerate(z.namelist()):
            if not n.endswith("/"):
                save(i, n, z.read(n))
else:
    m = email.message_from_binary_file(open(src, "rb"), policy=email.policy.compat32)
    for i, p in enumerate(m.walk()):
        if p.is_multipart() or p.get_content_type() in ("text/plain", "text/html", "message/rfc822", "message/delivery-status"):
            continue
        save(i, p.get_filename(), p.get_payload(decode=True) or b"")
PY
		local part
		for part in "$out/$key-parts"/*; do
			[ -f "$part" ] && soak_one "$part" "$rel → ${part##*/}"
		done
	fi
}

while IFS= read -r -d '' f; do
	soak_one "$f" "${f#"$dir"/}"
done < <(find "$dir" -type f -print0 | sort -z)
printf '\n%d files:' "$n"
for k in "${!count[@]}"; do printf ' %s %d;' "$k" "${count[$k]}"; done
printf '\nJSON and stderr of each file: %s\n' "$out"
exit $bad
