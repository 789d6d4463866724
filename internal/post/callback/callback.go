// Package callback POSTs digital post's delivery receipts to the callback
// URLs sending services give, as GOV.UK Notify does: JSON with
// "Authorization: Bearer <the service's token>". A 2xx is done; a 4xx
// other than 408 and 429 is the service refusing it, not retried; any
// other answer or a network failure is retried by the job with backoff.
package callback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"dbtp/internal/post/provider"
)

// Poster posts receipts.
type Poster struct {
	Client *http.Client
}

// New returns a poster that, unless allowPrivate (the receiving systems
// are on the council's own network: DBTP_WEBHOOK_PRIVATE_NETWORKS, as for
// webhooks), reaches only public addresses: callback URLs are chosen by
// the services' keepers, and must not let them probe the machines around
// dbtp. The check is made on the address dialled, so a name resolving to
// a private address is refused too.
func New(allowPrivate bool) *Poster {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || private(ap.Addr()) {
				return errPrivate
			}
			return nil
		}
	}
	return &Poster{Client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DialContext: d.DialContext,
		TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 15 * time.Second, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}}}
}

var errPrivate = errors.New("the callback address is on a private or local network, which this server does not send to")

// private reports whether ip is not a public unicast address.
func private(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) // carrier-grade NAT
}

// Post sends body to url with the bearer token.
func (p *Poster) Post(ctx context.Context, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return provider.Permanent(fmt.Errorf("callback URL %q: %w", url, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "dbtp-post")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := p.Client.Do(req)
	if err != nil {
		return fmt.Errorf("callback to %s: %w", url, err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode >= 400 && res.StatusCode < 500 && res.StatusCode != http.StatusRequestTimeout && res.StatusCode != http.StatusTooManyRequests:
		return provider.Permanent(fmt.Errorf("callback to %s: refused with %s", url, res.Status))
	}
	return fmt.Errorf("callback to %s: %s", url, res.Status)
}
