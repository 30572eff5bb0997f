if [ -e "$ROOT/keep" ]; then echo "still needed"; exit 4; fi
echo bye > "$ROOT/worker-destroyed"
