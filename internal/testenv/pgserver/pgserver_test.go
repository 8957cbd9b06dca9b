package pgserver

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestStartRestartStop creates a table, restarts the cluster, finds the
// row again on the same DSN and after Stop finds neither server nor
// directory.
func TestStartRestartStop(t *testing.T) {
	if _, err := Bin("initdb"); err != nil {
		t.Skip(err)
	}
	s, err := Start(Options{Settings: []string{"shared_buffers=16MB"}})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			s.Stop()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := Exec(ctx, s.AdminDSN(), "CREATE DATABASE kept"); err != nil {
		t.Fatal(err)
	}
	if err := Exec(ctx, s.DSN("kept"), "CREATE TABLE t AS SELECT 42 AS v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, s.DSN("kept"))
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	var v int
	err = conn.QueryRow(ctx, "SELECT v FROM t").Scan(&v)
	conn.Close(ctx)
	if err != nil || v != 42 {
		t.Fatalf("after restart: v = %d, %v; want 42", v, err)
	}
	s.Stop()
	stopped = true
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s still there: %v", s.dir, err)
	}
	if err := Exec(ctx, s.AdminDSN(), "SELECT 1"); err == nil {
		t.Error("server still answers after Stop")
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://u:p@h:5432/postgres?sslmode=disable", "postgres://u:p@h:5432/t_1?sslmode=disable"},
		{"postgresql://h", "postgresql://h/t_1"},
		{"host=h user=u dbname=postgres", "host=h user=u dbname=postgres dbname=t_1"},
	}
	for _, tc := range tests {
		got, err := WithDatabase(tc.dsn, "t_1")
		if err != nil || got != tc.want {
			t.Errorf("WithDatabase(%q) = %q, %v; want %q", tc.dsn, got, err, tc.want)
		}
	}
	if _, err := WithDatabase("postgres://u:secret@h:bad/x", "t_1"); err == nil {
		t.Error("a DSN that does not parse was accepted")
	}
}
