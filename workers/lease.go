package workers

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lease is a lease in Redis that one holder at a time owns and that
// expires when its holder stops renewing it (mail.Lease).
type Lease struct {
	c redis.UniversalClient
}

// NewLease returns a lease store on r's Redis; Close releases its
// connection.
func NewLease(r *Redis) (*Lease, error) {
	c, ok := r.Opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, fmt.Errorf("lease: unexpected redis client type")
	}
	return &Lease{c: c}, nil
}

// Close closes the connection.
func (l *Lease) Close() error { return l.c.Close() }

var acquireScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
elseif cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// Acquire takes key for holder, or renews it when holder has it, for ttl.
func (l *Lease) Acquire(ctx context.Context, key, holder string, ttl time.Duration) (bool, error) {
	n, err := acquireScript.Run(ctx, l.c, []string{key}, holder, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", key, err)
	}
	return n == 1, nil
}

// Release gives key up if holder has it.
func (l *Lease) Release(ctx context.Context, key, holder string) error {
	if err := releaseScript.Run(ctx, l.c, []string{key}, holder).Err(); err != nil {
		return fmt.Errorf("lease %s: %w", key, err)
	}
	return nil
}
