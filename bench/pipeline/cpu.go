package main

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of the times in /proc/<pid>/stat. Linux fixes
// USER_HZ at 100 on every architecture eingang runs on, so sysconf (and
// cgo for it) is not needed.
const clockTick = 10 * time.Millisecond

// procCPU returns the CPU time (user + system) that the process pid used
// itself plus what its children used that it has waited for. Go's os/exec
// waits for every child, so an eingang role's pdftoppm and pdftotext runs
// are counted as soon as they end; Tesseract runs as threads of the role
// and is in its own time.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses; the
	// fields after it start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime, stime, cutime, cstime are fields
	// 14–17.
	if len(f) < 15 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	var ticks int64
	for _, v := range f[11:15] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// procsCPU sums procCPU over running roles; a role that cannot be read
// makes the sum unknown (-1) rather than silently low.
func procsCPU(procs []*proc) time.Duration {
	var sum time.Duration
	for _, p := range procs {
		d, err := procCPU(p.cmd.Process.Pid)
		if err != nil {
			return -1
		}
		sum += d
	}
	return sum
}

// exitedCPU is the CPU time of a finished command and the children it
// waited for (wait4's rusage).
func exitedCPU(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// spread is the median and range of a sample.
type spread struct {
	n                int
	median, min, max float64
}

func spreadOf(v []float64) spread {
	if len(v) == 0 {
		return spread{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return spread{n: len(s), median: m, min: s[0], max: s[len(s)-1]}
}

func (s spread) String() string {
	if s.n == 0 {
		return "–"
	}
	if s.n == 1 {
		return fmt.Sprintf("%.2f", s.median)
	}
	return fmt.Sprintf("%.2f (%.2f–%.2f)", s.median, s.min, s.max)
}
