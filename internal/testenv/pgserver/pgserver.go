// Package pgserver runs a private PostgreSQL cluster for tests and
// benchmarks: initdb makes it in a temporary directory and it listens on a
// free loopback port, never on a server that happens to run on this
// machine. It returns errors rather than failing a test, so that
// internal/testenv and plain programs such as bench/pipeline share it.
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eingang/eingang/internal/testenv/loopback"
)

// dirPrefix names the clusters' directories under os.TempDir, where
// removeStaleClusters finds those of killed processes.
const dirPrefix = "eingang-pg-"

// Options adjust the cluster.
type Options struct {
	// Settings are extra server settings, "name=value", each given to the
	// postmaster as -c (tests shrink shared_buffers, a benchmark keeps
	// PostgreSQL's defaults).
	Settings []string
}

// Server is a running private cluster. Its superuser is postgres, with
// trust authentication on loopback.
type Server struct {
	dir   string // removed by Stop
	admin string
	opts  Options
	cmd   *exec.Cmd
	done  chan struct{} // closed when the postmaster exited
	lock  *os.File
	// Restart needs these again.
	server, data, sock string
	port               int
	cred               *syscall.Credential
}

// Bin finds a PostgreSQL server program: Debian keeps them in
// /usr/lib/postgresql/<version>/bin, off PATH; the newest version wins.
func Bin(name string) (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if p := filepath.Join(d, name); isExecutable(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("PostgreSQL program %s: %w", name, err)
	}
	return p, nil
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

// Start runs initdb and a postmaster. PostgreSQL refuses to run as root;
// then both run as the postgres system user (or nobody) and the
// directory, made under os.TempDir (whose parents that user can enter,
// unlike a test's TempDir), belongs to it. The postmaster also stops when
// this process ends, so a process killed before Stop leaves no server;
// the next Start removes the directory it left.
func Start(opts Options) (*Server, error) {
	initdb, err := Bin("initdb")
	if err != nil {
		return nil, err
	}
	server, err := Bin("postgres")
	if err != nil {
		return nil, err
	}
	removeStaleClusters()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("cluster directory: %w", err)
	}
	s := &Server{dir: dir, opts: opts}
	ok := false
	defer func() {
		if !ok {
			s.Stop()
		}
	}()
	// The lock marks the directory as in use for removeStaleClusters of
	// other processes.
	if s.lock, err = os.Create(filepath.Join(dir, "lock")); err != nil {
		return nil, fmt.Errorf("cluster lock: %w", err)
	}
	if err := syscall.Flock(int(s.lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("cluster lock: %w", err)
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	if err := prepareDirs(dir, cred, data, sock); err != nil {
		return nil, err
	}
	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	var lastErr error
	for range 5 { // the free port may be taken before the server binds it
		port, err := loopback.FreePort()
		if err != nil {
			return nil, err
		}
		if lastErr = s.startServer(server, data, sock, port, cred); lastErr == nil {
			ok = true
			return s, nil
		}
	}
	return nil, lastErr
}

func prepareDirs(dir string, cred *syscall.Credential, sub ...string) error {
	for _, d := range sub {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("cluster directory: %w", err)
		}
	}
	if cred == nil {
		return nil
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("cluster directory: %w", err)
	}
	for _, d := range sub {
		if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("cluster directory: %w", err)
		}
	}
	return nil
}

func (s *Server) startServer(server, data, sock string, port int, cred *syscall.Credential) error {
	s.server, s.data, s.sock, s.port, s.cred = server, data, sock, port, cred
	log := filepath.Join(s.dir, "postgres.log")
	// Several nodes of a test, each with its pools, need more than the
	// default 100 connections.
	args := []string{"-D", data, "-k", sock, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"}
	for _, set := range s.opts.Settings {
		args = append(args, "-c", set)
	}
	started := make(chan error, 1)
	s.done = make(chan struct{})
	// The postmaster gets SIGINT (fast shutdown) when the thread that
	// started it ends; that thread is locked and waits for the server, so
	// it ends only with this process.
	go func() {
		runtime.LockOSThread()
		defer close(s.done)
		logf, err := os.Create(log)
		if err != nil {
			started <- err
			return
		}
		defer logf.Close()
		cmd := exec.Command(server, args...)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		s.cmd = cmd
		started <- nil
		cmd.Wait()
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	s.admin = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.admin)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-s.done:
			b, _ := os.ReadFile(log)
			return fmt.Errorf("postgres exited: %s", b)
		default:
		}
		if time.Now().After(deadline) {
			s.cmd.Process.Kill()
			<-s.done
			b, _ := os.ReadFile(log)
			return fmt.Errorf("postgres did not answer on port %d: %w; log: %s", port, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// AdminDSN is the URL of the superuser on database postgres.
func (s *Server) AdminDSN() string { return s.admin }

// DSN is the URL of the superuser on database db.
func (s *Server) DSN(db string) string {
	dsn, _ := WithDatabase(s.admin, db) // admin is a URL that parses
	return dsn
}

// Restart stops the cluster (fast shutdown: every connection is cut, as
// when the database server restarts) and starts it again on the same
// port.
func (s *Server) Restart() error {
	if err := s.shutdown(); err != nil {
		return err
	}
	if err := s.startServer(s.server, s.data, s.sock, s.port, s.cred); err != nil {
		return fmt.Errorf("restart PostgreSQL: %w", err)
	}
	return nil
}

// shutdown asks for a fast shutdown and waits up to 30 s for it.
func (s *Server) shutdown() error {
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("PostgreSQL did not stop within 30 s")
	}
}

// Stop ends the postmaster (killing it if a fast shutdown takes over
// 30 s) and removes the cluster's directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.done != nil {
		if s.shutdown() != nil {
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	if s.lock != nil {
		s.lock.Close()
	}
	os.RemoveAll(s.dir)
}

// Exec runs one statement on a fresh connection to dsn, for the
// statements that cannot run in a transaction (CREATE/DROP DATABASE).
func Exec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	defer conn.Close(ctx)
	if _, err = conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// WithDatabase returns dsn (URL or keyword/value form) naming database db.
// Its error leaves out the URL, which may hold a password.
func WithDatabase(dsn, db string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("DSN: %w", errors.Unwrap(err))
		}
		u.Path = "/" + db
		return u.String(), nil
	}
	return dsn + " dbname=" + db, nil // a later keyword wins
}

// credential is the user to run PostgreSQL as: nil (this process's user)
// unless that is root.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as")
}

// removeStaleClusters removes the directories of clusters whose process
// was killed before it could: their lock is free.
func removeStaleClusters() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, "lock"))
		if err != nil {
			continue // being created, or not ours
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.RemoveAll(d)
		}
		f.Close()
	}
}
