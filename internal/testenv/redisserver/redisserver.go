// Package redisserver runs a private redis-server on a free loopback port
// for tests and benchmarks. It returns errors rather than failing a test,
// so that internal/testenv and plain programs such as bench/pipeline
// share it.
package redisserver

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/eingang/eingang/internal/testenv/loopback"
)

// Options adjust the server.
type Options struct {
	// Dir is the server's data folder (its append-only file) and holds
	// its log, redis.log.
	Dir string
	// AppendFsync, when set, turns the append-only file on with this
	// appendfsync policy: "always" loses nothing on a restart, "everysec"
	// is what production runs. Empty: no persistence at all.
	AppendFsync string
}

// Server is a running redis-server.
type Server struct {
	// Addr is host:port on 127.0.0.1.
	Addr string
	args []string
	log  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the server exited
}

// Start starts redis-server and waits until it answers PING.
func Start(opts Options) (*Server, error) {
	persistence := []string{"--save", "", "--appendonly", "no"}
	if opts.AppendFsync != "" {
		persistence = []string{"--save", "", "--appendonly", "yes", "--appendfsync", opts.AppendFsync}
	}
	var lastErr error
	for range 5 { // the free port may be taken before the server binds it
		port, err := loopback.FreePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: filepath.Join(opts.Dir, "redis.log")}
		s.args = append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", opts.Dir,
			"--daemonize", "no", "--loglevel", "warning"}, persistence...)
		if lastErr = s.start(); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

// URL returns the redis:// URL of the server's database 0.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

func (s *Server) start() error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("redis-server not installed: %w", err)
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("redis log: %w", err)
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(bin, s.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redis-server: %w", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() {
		defer close(s.done)
		cmd.Wait()
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if s.ping() {
			return nil
		}
		select {
		case <-s.done:
			b, _ := os.ReadFile(s.log)
			return fmt.Errorf("redis-server on %s exited: %s", s.Addr, b)
		default:
		}
	}
	s.Kill()
	b, _ := os.ReadFile(s.log)
	return fmt.Errorf("redis-server on %s did not come up; log: %s", s.Addr, b)
}

// ping speaks RESP by hand: the package needs no Redis client.
func (s *Server) ping() bool {
	c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_, _ = c.Write([]byte("PING\r\n"))
	buf := make([]byte, 16)
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	n, _ := c.Read(buf)
	return strings.HasPrefix(string(buf[:n]), "+PONG")
}

func (s *Server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Kill kills the server at once, as an outage would.
func (s *Server) Kill() {
	if s.running() {
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Stop shuts the server down the way an operator does (SIGTERM: it
// finishes writing its append-only file).
func (s *Server) Stop() {
	if s.running() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		<-s.done
	}
}

// Restart stops the server (see Stop) and starts it again on the same
// address and data folder; with an append-only file it keeps its data.
func (s *Server) Restart() error {
	s.Stop()
	if err := s.start(); err != nil {
		return fmt.Errorf("restart redis-server: %w", err)
	}
	return nil
}
