#!/bin/sh
# The Qdrant task's command (constructs/qdrant-service.ts runs it with the image's /bin/sh, from /qdrant).
# POSIX sh, plus what the Debian-based image has: tar, sha256sum, and bash for the HTTP probe.
#
# Live storage ($QDRANT__STORAGE__STORAGE_PATH) is an EBS volume that ECS creates empty for each task and
# deletes with it. Snapshots ($QDRANT__STORAGE__SNAPSHOTS_PATH, one directory per collection) are on EFS
# and outlive tasks. Before Qdrant serves, each collection that has a snapshot there and is missing from
# storage is recovered from its newest complete snapshot, with Qdrant's documented start-up recovery
# (`--snapshot <file>:<collection>`). A collection without one starts empty: every vector is derived
# data, re-indexed by the daily full sync (account features) and by recall (an account's notes).
#
# A start that recovered snapshots and never served (Qdrant failed on a snapshot, or ran out of memory)
# is remembered in $snapshots/.recovering: the next start sets those files aside (`<file>.failed`) and
# recovers from the next older ones, so one bad snapshot cannot keep Qdrant down.
set -u

storage=${QDRANT__STORAGE__STORAGE_PATH:?}
snapshots=${QDRANT__STORAGE__SNAPSHOTS_PATH:?}
port=${QDRANT__SERVICE__HTTP_PORT:-6333}
pending="$snapshots/.recovering"

log() { printf 'qdrant-start: %s\n' "$*" >&2; }

# Whether $1 is a whole snapshot: a tar archive that reads to its end and, when Qdrant wrote a SHA-256
# next to it (`<file>.checksum`), has that digest.
complete() {
  tar -tf "$1" >/dev/null 2>&1 || return 1
  [ -f "$1.checksum" ] || return 0
  expected=$(cut -c1-64 "$1.checksum")
  case $expected in
    *[!0-9a-f]*) return 0 ;; # not a digest we can read: the archive check stands
  esac
  [ "${#expected}" -eq 64 ] || return 0
  [ "$(sha256sum "$1" | cut -c1-64)" = "$expected" ]
}

# The newest complete snapshot in the collection directory $1. Newest by modification time: a name
# carries the peer id of the task that took it, and every task has a new one.
newest_complete() {
  ls -t "$1" 2>/dev/null | while IFS= read -r file; do
    case $file in
      *.snapshot) ;;
      *) continue ;;
    esac
    if complete "$1/$file"; then
      printf '%s\n' "$1/$file"
      break
    fi
    log "skipping $1/$file: not a complete snapshot"
  done
}

# Whether Qdrant answers GET /healthz with 200 (as the container health check asks).
serving() {
  bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET /healthz HTTP/1.0\r\n\r\n" >&3 && read -r status <&3 && [[ "$status" == *" 200 "* ]]' probe "$port" 2>/dev/null
}

if [ -f "$pending" ]; then
  while IFS= read -r file; do
    [ -n "$file" ] && [ -f "$file" ] || continue
    log "the last start recovered $file and never served: setting it aside as $file.failed"
    mv -f "$file" "$file.failed" || log "could not set $file aside"
  done <"$pending"
  rm -f "$pending"
fi

set --
chosen=
for dir in "$snapshots"/*/; do
  [ -d "$dir" ] || continue
  dir=${dir%/}
  name=${dir##*/}
  case $name in
    tmp) continue ;; # Qdrant's own temporary files
    *:*)
      log "skipping $name: --snapshot cannot name a collection with a colon"
      continue
      ;;
  esac
  if [ -e "$storage/collections/$name" ]; then
    log "$name is in storage already"
    continue
  fi
  file=$(newest_complete "$dir")
  if [ -z "$file" ]; then
    log "$name has no complete snapshot: it starts empty"
    continue
  fi
  log "recovering $name from $file"
  set -- "$@" --snapshot "$file:$name"
  chosen="$chosen$file
"
done
if [ -n "$chosen" ]; then
  { printf '%s' "$chosen" >"$pending.tmp" && mv -f "$pending.tmp" "$pending"; } ||
    log "could not record the recovery in $pending"
fi

./qdrant "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM
trap 'kill -INT "$pid" 2>/dev/null' INT

# Qdrant recovers before it serves, so its first 200 says the snapshots were good.
if [ -n "$chosen" ]; then
  while kill -0 "$pid" 2>/dev/null; do
    if serving; then
      rm -f "$pending"
      log "recovered; serving"
      break
    fi
    sleep 2
  done
fi

# `wait` also returns when a trapped signal arrives; Qdrant may still be shutting down then.
while :; do
  wait "$pid"
  status=$?
  kill -0 "$pid" 2>/dev/null || break
done
exit "$status"
