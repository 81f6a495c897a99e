#!/usr/bin/env bash
# Makes the README's screenshots from the real program: omtop --demo runs in tmux, keys are
# sent as a person would type them, each screen is captured with its colours and drawn to
# PNG by scripts/ansi2png.py. Needs tmux, Python 3 with Pillow, and the DejaVu and WenQuanYi
# fonts (Debian: tmux fonts-dejavu-core fonts-wqy-microhei; pip: pillow).
set -euo pipefail
cd "$(dirname "$0")/.."

COLS=${COLS:-140}
ROWS=${ROWS:-40}
OUT=screenshots
SESSION=omtop-shots
# The simulator's well-known items with its default seed (omtop sim prints them).
RUNNING_GROUP=run-clever-lime-crane-132929
FAILED_RUN=0d936feb-a88c-4f39-83f7-ca1f5c20b491
SCATTER_RUN=0f89967e-7733-4f32-8915-bcde4bfc2045
STUCK_GROUP=run-quiet-magenta-egret-400129

cargo build --quiet
mkdir -p "$OUT"
home=$(mktemp -d)
trap 'tmux kill-session -t $SESSION 2>/dev/null || true; tmux kill-session -t $SESSION-sim 2>/dev/null || true; rm -rf "$home"' EXIT

start() {
    tmux kill-session -t $SESSION 2>/dev/null || true
    tmux new-session -d -s $SESSION -x "$COLS" -y "$ROWS" \
        "HOME=$home ./target/debug/omtop --demo"
    sleep 3
}
keys() { tmux send-keys -t $SESSION "$@"; sleep "${PAUSE:-1.5}"; }
shot() {
    tmux capture-pane -e -p -t $SESSION > "$home/$1.txt"
    python3 scripts/ansi2png.py "$home/$1.txt" "$OUT/$1.png" "$COLS" "$ROWS"
    echo "$OUT/$1.png"
}

start
keys Enter
shot run-groups

keys ":run $SCATTER_RUN" Enter
keys G Enter
PAUSE=0.3 keys j
keys j Enter
shot call-tree-scatter

keys ":run $FAILED_RUN" Enter
keys n
keys r
shot retry-confirmation

keys Escape
keys o
keys Tab
shot logs

keys Escape
keys Escape
keys ":group $STUCK_GROUP" Enter
keys Escape
# The environments are asked on the next poll while a waiting group is on screen.
sleep 2
shot waiting-group

keys ":group $RUNNING_GROUP" Enter
keys T
keys ":sort coverage desc" Enter
shot sample-sheet

# Batch triage wants a batch: the simulator with a 500-run group, 40% of it failed, and the
# dashboard pointed at it as at an account. The deep pass runs at the service's 20 requests
# a second; the shot waits for it to finish.
SIM_PORT=${SIM_PORT:-43917}
tmux kill-session -t $SESSION 2>/dev/null || true
tmux new-session -d -s $SESSION-sim \
    "./target/debug/omtop sim --port $SIM_PORT --big-group-runs 500 --big-group-failed-pct 40"
sleep 2
BIG_GROUP=run-quiet-magenta-egret-400129
tmux new-session -d -s $SESSION -x "$COLS" -y "$ROWS" \
    "HOME=$home TENCENTCLOUD_SECRET_ID=AKIDomtopSimulator0000000000000000 TENCENTCLOUD_SECRET_KEY=omtop-simulator-secret-key-000000 ./target/debug/omtop --endpoint http://127.0.0.1:$SIM_PORT"
sleep 3
keys ":group $BIG_GROUP" Enter
sleep 2
keys Escape
keys F
sleep 40
shot failure-signatures
