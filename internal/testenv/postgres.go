package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names an existing PostgreSQL server's DSN (a role allowed
// to create databases) for the tests to use instead of a private cluster.
const PostgresEnv = "EINGANG_TEST_POSTGRES_DSN"

// The private cluster is shared by every test of one test binary (starting
// one takes seconds, a database for each test milliseconds); StopPostgres,
// called from TestMain, ends it.
var pgShared struct {
	once    sync.Once
	cluster *pgCluster
	err     error
}

type pgCluster struct {
	dir   string // removed by stop
	admin string // DSN of the superuser, database postgres
	cmd   *exec.Cmd
	done  chan struct{} // closed when the postmaster exited
	lock  *os.File
	// restart needs these again
	server, data, sock string
	port               int
	cred               *syscall.Credential
}

// StartPostgres returns the DSN of a fresh, empty database for this test,
// dropped when it ends. With EINGANG_TEST_POSTGRES_DSN set the database is
// created on that server; otherwise on a private cluster that initdb
// makes in a temporary directory and that listens on a free loopback port
// — never on a server that happens to run on this machine. Without
// PostgreSQL installed the test is skipped, in CI (CI=true) it fails.
func StartPostgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		if _, err := postgresBin("initdb"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("PostgreSQL is needed in CI: %v", err)
			}
			t.Skipf("PostgreSQL not installed (make test installs postgresql; or set %s): %v", PostgresEnv, err)
		}
		pgShared.once.Do(func() { pgShared.cluster, pgShared.err = startCluster() })
		if pgShared.err != nil {
			t.Fatalf("private PostgreSQL cluster: %v", pgShared.err)
		}
		admin = pgShared.cluster.admin
	}
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE ends connections a test left open (a helper process, a
		// pool that was not closed), which would make DROP fail.
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// StopPostgres stops the private cluster, if this binary started one, and
// removes its directory. Call it from TestMain after m.Run. A binary that
// does not still leaves no server running: the postmaster is told to stop
// when the test process ends (see startCluster).
func StopPostgres() {
	if c := pgShared.cluster; c != nil {
		c.stop()
	}
}

func adminExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns dsn (URL or keyword/value form) naming database db.
func withDatabase(dsn, db string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: %w", PostgresEnv, errors.Unwrap(err)) // the URL may hold a password
		}
		u.Path = "/" + db
		return u.String(), nil
	}
	return dsn + " dbname=" + db, nil // a later keyword wins
}

// postgresBin finds a PostgreSQL server program: Debian keeps them in
// /usr/lib/postgresql/<version>/bin, off PATH; the newest version wins.
func postgresBin(name string) (string, error) {
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
	return exec.LookPath(name)
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

// startCluster runs initdb and a postmaster. PostgreSQL refuses to run as
// root; then both run as the postgres system user (or nobody) and the
// directory, made under os.TempDir rather than t.TempDir (whose parents
// that user could not enter), belongs to it.
func startCluster() (*pgCluster, error) {
	initdb, err := postgresBin("initdb")
	if err != nil {
		return nil, err
	}
	server, err := postgresBin("postgres")
	if err != nil {
		return nil, err
	}
	removeStaleClusters()
	dir, err := os.MkdirTemp("", "eingang-pg-")
	if err != nil {
		return nil, err
	}
	c := &pgCluster{dir: dir}
	ok := false
	defer func() {
		if !ok {
			c.stop()
		}
	}()
	// The lock marks the directory as in use for removeStaleClusters of
	// other test binaries.
	if c.lock, err = os.Create(filepath.Join(dir, "lock")); err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(c.lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	cred, err := clusterCredential()
	if err != nil {
		return nil, err
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	if cred != nil {
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
		for _, d := range []string{data, sock} {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, err
			}
		}
	}
	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	var lastErr error
	for range 5 { // the free port may be taken before the server binds it
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		if lastErr = c.startServer(server, data, sock, port, cred); lastErr == nil {
			ok = true
			return c, nil
		}
	}
	return nil, lastErr
}

func (c *pgCluster) startServer(server, data, sock string, port int, cred *syscall.Credential) error {
	c.server, c.data, c.sock, c.port, c.cred = server, data, sock, port, cred
	log := filepath.Join(c.dir, "postgres.log")
	started := make(chan error, 1)
	c.done = make(chan struct{})
	// The postmaster gets SIGINT (fast shutdown) when the thread that
	// started it ends; that thread is locked and waits for the server, so
	// it ends only with the test process — a binary without StopPostgres
	// leaves no server behind.
	go func() {
		runtime.LockOSThread()
		defer close(c.done)
		logf, err := os.Create(log)
		if err != nil {
			started <- err
			return
		}
		defer logf.Close()
		cmd := exec.Command(server, "-D", data, "-k", sock, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
			"-c", "max_connections=200", "-c", "shared_buffers=32MB")
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		c.cmd = cmd
		started <- nil
		cmd.Wait()
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	c.admin = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.admin)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-c.done:
			b, _ := os.ReadFile(log)
			return fmt.Errorf("postgres exited: %s", b)
		default:
		}
		if time.Now().After(deadline) {
			c.cmd.Process.Kill()
			<-c.done
			b, _ := os.ReadFile(log)
			return fmt.Errorf("postgres did not answer on port %d: %v; log: %s", port, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// RestartPostgres stops the private cluster (fast shutdown: every
// connection is cut, as when the database server restarts) and starts it
// again on the same port, for tests of what a node does meanwhile. It
// skips the test when EINGANG_TEST_POSTGRES_DSN names a server of its own,
// which it cannot restart.
func RestartPostgres(t testing.TB) {
	t.Helper()
	c := pgShared.cluster
	if os.Getenv(PostgresEnv) != "" || c == nil {
		t.Skipf("restarting PostgreSQL needs the private cluster (%s unset, StartPostgres called)", PostgresEnv)
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatal("PostgreSQL did not stop within 30 s")
	}
	if err := c.startServer(c.server, c.data, c.sock, c.port, c.cred); err != nil {
		t.Fatalf("restart PostgreSQL: %v", err)
	}
}

func (c *pgCluster) stop() {
	if c.cmd != nil && c.done != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
	}
	if c.lock != nil {
		c.lock.Close()
	}
	os.RemoveAll(c.dir)
}

// clusterCredential is the user to run PostgreSQL as: nil (this process's
// user) unless that is root.
func clusterCredential() (*syscall.Credential, error) {
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

// removeStaleClusters removes the directories of clusters whose test
// binary was killed before it could: their lock is free.
func removeStaleClusters() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "eingang-pg-*"))
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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
