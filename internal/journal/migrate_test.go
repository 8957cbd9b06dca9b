package journal

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestScripts(t *testing.T) {
	file := func(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{"ordered by version", fstest.MapFS{"m/0002_b.sql": file("B"), "m/0001_a.sql": file("A")}, []int{1, 2}, ""},
		{"gap", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0003_c.sql": file("C")}, nil, "version 3 follows 1"},
		{"not starting at 1", fstest.MapFS{"m/0002_b.sql": file("B")}, nil, "version 2 follows 0"},
		{"bad name", fstest.MapFS{"m/0001_a.sql": file("A"), "m/2_b.sql": file("B")}, nil, "2_b.sql is not named"},
		{"duplicate version", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0001_b.sql": file("B")}, nil, "version 1 follows 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Scripts(tc.files, "m")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var vs []int
			for _, s := range got {
				vs = append(vs, s.Version)
			}
			if len(vs) != len(tc.want) || vs[0] != 1 || got[0].SQL != "A" || got[0].Name != "a" {
				t.Errorf("got %+v", got)
			}
		})
	}
}
