package journal

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
)

// SchemaScript is one embedded migration file.
type SchemaScript struct {
	Version int
	Name    string
	SQL     string
}

var scriptName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Scripts reads the migrations NNNN_name.sql from dir of fsys, ordered by
// version. Versions must start at 1 and have no gaps: a gap means a file
// went missing in a merge, and applying around it would leave a schema no
// release ever had.
func Scripts(fsys fs.FS, dir string) ([]SchemaScript, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("journal: migrations: %w", err)
	}
	var out []SchemaScript
	for _, e := range entries {
		m := scriptName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("journal: migrations: %s is not named NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("journal: migrations: %w", err)
		}
		v, _ := strconv.Atoi(m[1])
		out = append(out, SchemaScript{Version: v, Name: m[2], SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, s := range out {
		if s.Version != i+1 {
			return nil, fmt.Errorf("journal: migrations: version %d follows %d", s.Version, i)
		}
	}
	return out, nil
}
