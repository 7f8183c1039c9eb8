package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// DefaultDrain is how long a shutdown lets calls in flight finish.
const DefaultDrain = 30 * time.Second

// closeWait bounds how long Close waits for calls the server already cut:
// they only have to write their record.
const closeWait = 10 * time.Second

// Shutdown stops taking calls (new ones get 503), waits until every call
// in flight has ended and been recorded, or ctx is done, and closes the
// log. Calls still running when ctx is done are the server's to cut
// (http.Server.Close); each is then recorded with what it relayed.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.gate.Lock()
	p.closing = true
	p.gate.Unlock()
	idle := make(chan struct{})
	go func() {
		p.inflight.Wait()
		close(idle)
	}()
	var err error
	select {
	case <-idle:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if cerr := p.rec.Close(); cerr != nil {
		return cerr
	}
	return err
}

// Close stops taking calls, waits (a few seconds at most) for those in
// flight to be recorded, and closes the log; it returns the first error
// writing the log met.
func (p *Proxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeWait)
	defer cancel()
	return p.Shutdown(ctx)
}

// Serve answers calls on ln until ctx is done (SIGINT, SIGTERM), then
// shuts down gracefully: it stops accepting, lets the calls in flight
// finish for up to drain and records them, cuts those still running after
// that (each recorded with what it relayed, as a call the client lost),
// and closes the log last. It returns nil after a clean shutdown.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		// The listener failed: nothing more will come.
		p.Close()
		return err
	case <-ctx.Done():
	}
	p.gate.Lock()
	p.closing = true
	p.gate.Unlock()
	dctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(dctx); err != nil {
		// Past the drain: cutting the connections cancels the calls'
		// contexts, so each ends (and is recorded) at once.
		srv.Close()
	}
	err := p.Close()
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
