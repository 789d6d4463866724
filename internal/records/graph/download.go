package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
)

// Download streams the content of it. Graph answers GET .../content with a
// 302 to a short-lived pre-authenticated URL; that URL is fetched with no
// Authorization header, so the token never leaves Graph.
//
// More than MaxBytes is refused: before the download when Graph's size or
// Content-Length says so, and during it otherwise. When Graph gave a
// QuickXorHash (or SHA-256) for the file, the last Read checks it and
// returns an error carrying ErrHashMismatch instead of io.EOF when the
// content differs. Callers must therefore keep nothing until Read has
// returned io.EOF.
func (c *Client) Download(ctx context.Context, it Item) (io.ReadCloser, error) {
	if it.Folder {
		return nil, &platform.Error{Code: platform.CodeInvalid, Err: ErrNotFile,
			Message: fmt.Sprintf("%q is a folder in Microsoft 365, not a file. Choose a file in it.", it.Name)}
	}
	if err := checkID("drive ID", it.DriveID); err != nil {
		return nil, err
	}
	if err := checkID("item ID", it.ID); err != nil {
		return nil, err
	}
	if it.Size > c.cfg.MaxBytes {
		return nil, c.tooLarge(it)
	}
	check, err := newCheck(it)
	if err != nil {
		return nil, err
	}
	content := c.cfg.BaseURL + "/drives/" + url.PathEscape(it.DriveID) + "/items/" + url.PathEscape(it.ID) + "/content"
	resp, err := c.send(ctx, c.api, content, true)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		// Content served by Graph itself: nothing to follow.
	case http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusMovedPermanently, http.StatusPermanentRedirect:
		loc, err := resp.Location()
		discard(resp)
		if err != nil {
			return nil, unavailable(fmt.Errorf("graph: content redirect without a usable Location: %w", err))
		}
		if err := checkDownloadURL(loc, isHTTP(c.cfg.BaseURL)); err != nil {
			return nil, unavailable(err)
		}
		if resp, err = c.send(ctx, c.files, loc.String(), false); err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			// The download URL's own host: its refusals (an expired
			// tempauth, say) are not about dbtp's app registration.
			discard(resp)
			if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
				return nil, &platform.Error{Code: platform.CodeNotFound, Message: "Microsoft 365 no longer has the content of this file."}
			}
			return nil, unavailable(fmt.Errorf("graph: download URL answered HTTP %d", resp.StatusCode))
		}
	default:
		defer resp.Body.Close()
		return nil, responseError(resp, fileWhat)
	}
	if resp.ContentLength > c.cfg.MaxBytes {
		resp.Body.Close()
		return nil, c.tooLarge(it)
	}
	return &verifier{body: resp.Body, left: c.cfg.MaxBytes, check: check, tooLarge: c.tooLarge(it)}, nil
}

// checkDownloadURL accepts only https download URLs (plain http only when
// Graph itself is reached over http, which New allows only on loopback).
func checkDownloadURL(u *url.URL, httpOK bool) error {
	if u.Scheme == "https" || (httpOK && u.Scheme == "http") {
		if u.Host != "" && u.User == nil {
			return nil
		}
	}
	return fmt.Errorf("graph: refusing download URL with scheme %q", u.Scheme)
}

func (c *Client) tooLarge(it Item) *platform.Error {
	return platform.Errorf(platform.CodeTooLarge,
		"%q is larger than the %s dbtp accepts from Microsoft 365.", it.Name, humanBytes(c.cfg.MaxBytes))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// hashCheck is the digest Graph holds for the file and how to compute it.
type hashCheck struct {
	name string
	want []byte
	h    hash.Hash
}

// newCheck prefers QuickXorHash (what OneDrive for Business and SharePoint
// give) and falls back to SHA-256. A hash Graph gave that cannot be read is
// refused rather than skipped: skipping would capture unchecked content.
func newCheck(it Item) (*hashCheck, error) {
	switch {
	case it.QuickXorHash != "":
		want, err := base64.StdEncoding.DecodeString(it.QuickXorHash)
		if err != nil || len(want) != QuickXorHashSize {
			return nil, unavailable(fmt.Errorf("graph: malformed quickXorHash %.40q", it.QuickXorHash))
		}
		return &hashCheck{name: "QuickXorHash", want: want, h: NewQuickXorHash()}, nil
	case it.SHA256 != "":
		want, err := hex.DecodeString(strings.TrimSpace(it.SHA256))
		if err != nil || len(want) != sha256.Size {
			return nil, unavailable(fmt.Errorf("graph: malformed sha256Hash %.80q", it.SHA256))
		}
		return &hashCheck{name: "SHA-256", want: want, h: sha256.New()}, nil
	}
	return nil, nil
}

// verifier counts and hashes the content as it is read.
type verifier struct {
	body     io.ReadCloser
	left     int64 // bytes still allowed
	check    *hashCheck
	tooLarge error
	err      error // sticky: once failed, every Read fails the same way
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if int64(len(p)) > v.left+1 {
		// One byte past the limit is enough to know it was exceeded.
		p = p[:v.left+1]
	}
	n, err := v.body.Read(p)
	if int64(n) > v.left {
		v.err = v.tooLarge
		return 0, v.err
	}
	v.left -= int64(n)
	if v.check != nil {
		v.check.h.Write(p[:n])
	}
	switch {
	case err == io.EOF:
		if v.check != nil {
			if got := v.check.h.Sum(nil); !bytes.Equal(got, v.check.want) {
				v.err = mismatch(v.check.name, got, v.check.want)
				return n, v.err
			}
		}
		v.err = io.EOF
	case err != nil:
		v.err = unavailable(fmt.Errorf("graph: download interrupted: %w", err))
		return n, v.err
	}
	return n, err
}

func (v *verifier) Close() error { return v.body.Close() }

func mismatch(name string, got, want []byte) *platform.Error {
	return &platform.Error{Code: platform.CodeConflict,
		Message: "The copy downloaded from Microsoft 365 does not match the " + name +
			" Microsoft 365 holds for the file, so it cannot be captured. The file may have changed during the download: try again.",
		Err: errors.Join(ErrHashMismatch, fmt.Errorf("%s: got %x, Graph gave %x", name, got, want))}
}
