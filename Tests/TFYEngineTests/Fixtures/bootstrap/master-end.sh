echo "master-end $(date +%s.%N)" >> "$ROOT/phases"
