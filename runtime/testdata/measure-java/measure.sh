#!/bin/sh
# Measures the java profile's constants on this machine: thread start and
# thread memory (Measure.java), JVM start-up to main (Idle.java, 5 runs), and
# the resident and reserved memory of a fresh idle JVM.
set -e
dir=$(mktemp -d)
javac -d "$dir" "$(dirname "$0")/Measure.java" "$(dirname "$0")/Idle.java"
java -cp "$dir" Measure
for i in 1 2 3 4 5; do
	s=$(date +%s%N); java -cp "$dir" Idle >/dev/null; e=$(date +%s%N)
	echo "jvm_start_ns $((e - s))"
done
java -cp "$dir" Idle sleep > "$dir/out" &
pid=$!
while ! grep -q ready "$dir/out" 2>/dev/null; do sleep 0.05; done
grep -E '^(VmRSS|VmSize)' /proc/$pid/status
kill $pid
rm -rf "$dir"
