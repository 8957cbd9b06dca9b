package main

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestProcCPUCountsWaitedChildren(t *testing.T) {
	before, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// A child that burns about 0.3 s of CPU; once waited for, its time
	// is in this process's cutime.
	cmd := exec.Command("sh", "-c", `i=0; end=$(($(date +%s%N) + 300000000)); while [ "$(date +%s%N)" -lt "$end" ]; do i=$((i+1)); done`)
	if err := cmd.Run(); err != nil {
		t.Skipf("sh: %v", err)
	}
	after, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	child := exitedCPU(cmd)
	if child < 100*time.Millisecond {
		t.Fatalf("child used %v of CPU, want ≥ 100ms", child)
	}
	if got := after - before; got < child/2 {
		t.Errorf("procCPU grew by %v while a waited-for child used %v", got, child)
	}
}

func TestSpreadOf(t *testing.T) {
	for _, c := range []struct {
		in               []float64
		median, min, max float64
	}{
		{[]float64{1.3, 0.9, 1.1}, 1.1, 0.9, 1.3},
		{[]float64{2, 1, 4, 3}, 2.5, 1, 4},
		{[]float64{1.2}, 1.2, 1.2, 1.2},
	} {
		s := spreadOf(c.in)
		if s.median != c.median || s.min != c.min || s.max != c.max || s.n != len(c.in) {
			t.Errorf("spreadOf(%v) = %+v", c.in, s)
		}
	}
}
