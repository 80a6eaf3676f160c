#!/bin/sh
# A test agent for metaorch's process variant that misbehaves on purpose (POSIX sh only).
#   $1 = mode, $2 = marker file that a left-behind process would write after 3 s
# Modes:
#   grandchild   forks a child that writes the marker after 3 s, then hangs
#   doublefork   forks a child that forks the marker writer and exits (reparented to init), then hangs
#   exit0child   reports a result and exits 0, leaving a child that holds stdout and would write the marker
#   spendcrash   reports two llm_call events, then exits 1
#   events       copies the lines of file $3 to stdout (one event per line), then exits 0
#   stderrflood  writes $3 bytes to stderr, then reports a result
#   ignoreterm   traps SIGTERM in itself and its child (only SIGKILL ends them), then hangs
#   escape       starts a process that calls setsid itself (leaves the session, holds stdout), reports a result, exits 0
read -r start
mode=$1
marker=$2
result='{"type":"result","success":true,"outcome":"success"}'
call='{"type":"llm_call","model":"gpt-4o-mini","prompt_tokens":1000,"completion_tokens":100,"cached_prompt_tokens":200,"duration_ms":5}'
case "$mode" in
  grandchild)
    (sleep 3; echo "late" > "$marker") &
    echo "$call"
    exec sleep 60 ;;
  doublefork)
    ( (sleep 3; echo "late" > "$marker") & )
    echo "$call"
    exec sleep 60 ;;
  exit0child)
    (sleep 3; echo "late" > "$marker") &
    echo "$result"
    exit 0 ;;
  spendcrash)
    echo "$call"
    echo "$call"
    echo "crashing" >&2
    exit 1 ;;
  events)
    cat "$3"
    exit 0 ;;
  stderrflood)
    head -c "$3" /dev/zero | tr '\0' 'x' >&2
    echo "$result"
    exit 0 ;;
  escape)
    # the escapee writes its pid once it has left the session; wait for that before reporting
    setsid sh -c 'echo $$ > "$1.tmp" && mv "$1.tmp" "$1" && exec sleep 30' sh "$marker" &
    while [ ! -s "$marker" ]; do sleep 0.01; done
    echo "$result"
    exit 0 ;;
  ignoreterm)
    trap '' TERM
    (trap '' TERM; sleep 3; echo "late" > "$marker") &
    echo "$call"
    while :; do sleep 1; done ;;
esac
