echo "master $(date +%s.%N)" >> "$ROOT/phases"
