// Package targets builds the delivery targets named in the configuration —
// the local archive, d.3 and Fabasoft — in one place, so that every command
// (serve, inspect, doctor) gets the same targets from the same options and
// the same validation messages.
package targets

import (
	"fmt"
	"log/slog"

	"github.com/eingang/eingang/internal/config"
	"github.com/eingang/eingang/internal/dms"
	"github.com/eingang/eingang/internal/dms/archive"
	"github.com/eingang/eingang/internal/dms/d3"
	"github.com/eingang/eingang/internal/dms/fabasoft"
)

// Build decodes, validates and constructs one configured target. Errors
// name the configuration key (targets.NAME.options.KEY).
func Build(name string, t config.Target) (dms.Target, error) {
	key := "targets." + name + ".options"
	var (
		tg  dms.Target
		err error
	)
	switch t.Type {
	case "archive":
		return archive.New(name, t.Dir), nil
	case "d3":
		var cfg d3.Config
		if cfg, err = d3.DecodeConfig(&t.Options); err == nil {
			tg, err = d3.New(name, cfg)
		}
	case "fabasoft":
		var cfg fabasoft.Config
		if cfg, err = fabasoft.DecodeConfig(&t.Options); err == nil {
			tg, err = fabasoft.New(name, cfg)
		}
	default:
		return nil, fmt.Errorf("targets.%s.type: unknown type %q", name, t.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return tg, nil
}

// BuildAll builds every configured target. An optional target that cannot
// be built (its credentials are missing, say) is left out with a warning
// instead of stopping the start; the profiles delivering to a target that
// is not there are removed from cfg, so their hot folders are not watched
// and their files wait until the target is configured.
func BuildAll(cfg *config.Config, log *slog.Logger) (map[string]dms.Target, error) {
	out := map[string]dms.Target{}
	for name, t := range cfg.Targets {
		tg, err := Build(name, t)
		if err != nil {
			if !t.Optional {
				return nil, err
			}
			log.Warn("optional target cannot be built; the profiles delivering to it are disabled", "target", name, "err", err)
			continue
		}
		out[name] = tg
	}
	kept := cfg.Profiles[:0]
	for _, p := range cfg.Profiles {
		if _, ok := out[p.Target]; !ok {
			log.Warn("profile disabled: its target is not available; files in its hot folder wait there", "profile", p.Name, "target", p.Target)
			continue
		}
		kept = append(kept, p)
	}
	cfg.Profiles = kept
	return out, nil
}
