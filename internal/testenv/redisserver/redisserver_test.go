package redisserver

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// do sends one inline command and returns the first line of the reply.
func do(t *testing.T, addr, cmd string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

// TestRestartKeepsAOF writes a key, restarts the server and reads it back
// from the append-only file; without persistence the key is gone.
func TestRestartKeepsAOF(t *testing.T) {
	for _, tc := range []struct {
		fsync string
		want  string
	}{{"always", "$1"}, {"", "$-1"}} {
		s, err := Start(Options{Dir: t.TempDir(), AppendFsync: tc.fsync})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Kill)
		if got := do(t, s.Addr, "SET k v"); got != "+OK" {
			t.Fatalf("SET: %q", got)
		}
		addr := s.Addr
		if err := s.Restart(); err != nil {
			t.Fatal(err)
		}
		if s.Addr != addr {
			t.Errorf("restart moved the server from %s to %s", addr, s.Addr)
		}
		if got := do(t, s.Addr, "GET k"); got != tc.want {
			t.Errorf("appendfsync %q: GET after restart = %q, want %q", tc.fsync, got, tc.want)
		}
		s.Kill()
		if s.ping() {
			t.Errorf("server on %s still answers after Kill", s.Addr)
		}
	}
}
