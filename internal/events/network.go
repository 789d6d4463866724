package events

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Webhook addresses are chosen by organisation admins, who are tenants of
// the platform, not its operators. Unless the operator says the receiving
// systems live on the council's own network (Options.PrivateNetworks), a
// webhook may only reach public addresses over https: a tenant must not be
// able to use dbtp to probe the machines around it. The check is made on
// the address actually dialled, so a name that resolves to a private
// address (or changes to one later) is refused too.

// errPrivate is returned by the dialler for a refused destination.
var errPrivate = errors.New("the address is on a private or local network, which this server does not send webhooks to")

// private reports whether ip is not a public unicast address.
func private(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) // carrier-grade NAT
}

// webhookTransport dials only public addresses unless allowPrivate.
func webhookTransport(allowPrivate bool) *http.Transport {
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
	return &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}
}

// checkURL says what is wrong with a receiver's address, or "".
func checkURL(raw string, allowPrivate bool) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "Enter the address that receives the webhooks"
	case len(raw) > 2000:
		return "The address must be 2,000 characters or fewer"
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return "Enter a full address starting with https://"
	case u.Scheme == "http" && !allowPrivate:
		return "The address must start with https://, so events travel encrypted"
	case u.User != nil:
		return "The address must not contain a user name or password; the signature proves who sent it"
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && private(ip) && !allowPrivate {
		return "Enter a public address: this server does not send webhooks to private or local networks"
	}
	return ""
}

// deliveryError turns a failed request into words for the delivery log,
// without the resolver's or the network's internal details.
func deliveryError(err error) string {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr x509.CertificateInvalidError
	switch {
	case errors.Is(err, errPrivate):
		return errPrivate.Error()
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "no answer in time"
	case errors.As(err, &dns):
		return "the receiver's host name could not be found"
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &certErr):
		return "the receiver's TLS certificate is not valid for its address"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the receiver refused the connection"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed):
		return "the connection was closed before the receiver answered"
	}
	return "could not reach the receiver"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
