package inbound

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// IMAPConfig is the mailbox scanned post is collected from.
type IMAPConfig struct {
	Addr     string // host:port
	Security string // "tls" (default, port 993), "starttls" or "none" (tests and local servers only)
	Username string
	Password string
	Mailbox  string // default INBOX
	// Batch is how many messages one poll takes at most; default 50.
	Batch int
	// MaxBytes is the largest message fetched; a larger one is refused
	// (marked read and flagged) unread. Default 25 MiB.
	MaxBytes int64
}

// PollResult says what one poll did.
type PollResult struct {
	Kept, Refused int
}

// PollIMAP collects the unread messages of the mailbox, hands each to
// deliver and marks it read once kept or refused, so it is collected
// once. A message deliver could not keep for now (an error not made by
// Reject) stays unread for the next poll, and the poll stops there.
func PollIMAP(ctx context.Context, cfg IMAPConfig, deliver Deliver) (PollResult, error) {
	var res PollResult
	if cfg.Mailbox == "" {
		cfg.Mailbox = "INBOX"
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 25 << 20
	}
	var c *imapclient.Client
	var err error
	opts := &imapclient.Options{}
	switch cfg.Security {
	case "", "tls":
		c, err = imapclient.DialTLS(cfg.Addr, opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(cfg.Addr, opts)
	case "none":
		c, err = imapclient.DialInsecure(cfg.Addr, opts)
	default:
		return res, fmt.Errorf("IMAP security %q: want tls, starttls or none", cfg.Security)
	}
	if err != nil {
		return res, fmt.Errorf("IMAP %s: %w", cfg.Addr, err)
	}
	defer c.Close()
	// The client's commands do not take a context: closing the
	// connection ends whatever waits when ctx is done.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(cfg.Username, cfg.Password).Wait(); err != nil {
		return res, fmt.Errorf("IMAP login as %s: %w", cfg.Username, err)
	}
	if _, err := c.Select(cfg.Mailbox, nil).Wait(); err != nil {
		return res, fmt.Errorf("IMAP mailbox %s: %w", cfg.Mailbox, err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		return res, fmt.Errorf("IMAP search: %w", err)
	}
	uids := found.AllUIDs()
	if len(uids) > cfg.Batch {
		uids = uids[:cfg.Batch]
	}
	for _, uid := range uids {
		set := imap.UIDSetNum(uid)
		// Its size first, so a huge message is never fetched.
		sizes, err := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
		if err != nil {
			return res, fmt.Errorf("IMAP fetch: %w", err)
		}
		if len(sizes) == 0 {
			continue // expunged meanwhile
		}
		var raw []byte
		if sizes[0].RFC822Size <= cfg.MaxBytes {
			body := &imap.FetchItemBodySection{Peek: true} // read it without marking it: only a kept message is marked
			msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
			if err != nil {
				return res, fmt.Errorf("IMAP fetch: %w", err)
			}
			if len(msgs) == 0 {
				continue
			}
			raw = msgs[0].FindBodySection(body)
		}
		refused := false
		if raw == nil {
			refused = true
		} else if m, perr := ParseMail(bytes.NewReader(raw)); perr != nil {
			refused = true
		} else if derr := deliver(ctx, m); derr != nil {
			if !IsRejected(derr) {
				return res, derr
			}
			refused = true
		}
		// A refused message is marked read too, and flagged, so it is not
		// collected again and a person can find it in the mailbox.
		flags := []imap.Flag{imap.FlagSeen}
		if refused {
			res.Refused++
			flags = append(flags, imap.FlagFlagged)
		} else {
			res.Kept++
		}
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: flags, Silent: true}, nil).Close(); err != nil {
			return res, fmt.Errorf("IMAP store: %w", err)
		}
	}
	_ = c.Logout().Wait()
	return res, nil
}

// PollEvery polls until ctx is done, every period, reporting each
// poll's outcome to report.
func PollEvery(ctx context.Context, period time.Duration, cfg IMAPConfig, deliver Deliver, report func(PollResult, error)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		report(PollIMAP(ctx, cfg, deliver))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
