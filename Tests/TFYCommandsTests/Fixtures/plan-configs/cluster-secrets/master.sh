#!/bin/sh
# The master phase.

echo "master $ROLE"
