package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/revfetch"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/store"
)

// Seal completes an envelope everyone has acted on: the council's PAdES
// signature over the document with every step's signature (B-LT with a
// timestamp from Options.TSAURL and the revocation data; B-T when no
// revocation source is known; B-B with no TSA), and the completion
// certificate, itself signed, whose SHA-256 the seal names. A TSA that is
// down leaves the envelope in "sealing", untouched: the job that calls
// Seal tries again later. Sealing a completed envelope does nothing.
func (s *Store) Seal(ctx context.Context, envelopeID string) error {
	env, err := cerEnvelope(ctx, s.db, envelopeID)
	if err != nil {
		return err
	}
	switch env.Status {
	case EnvelopeCompleted:
		return nil
	case EnvelopeSealing:
	default:
		return platform.Errorf(platform.CodeConflict, "Only an envelope that everyone has signed is sealed; this one is %s", env.Status)
	}
	cred, rev, err := s.sealingCredential(ctx, env.OrgID)
	if err != nil {
		return err
	}
	doc, err := s.readBlob(ctx, env.CurrentBlob)
	if err != nil {
		return err
	}
	rs, err := cerRecipients(ctx, s.db, env.ID)
	if err != nil {
		return err
	}
	evs, err := cerEvents(ctx, s.db, env.ID)
	if err != nil {
		return err
	}
	now := s.now()
	council := cred.Certificate().Subject.CommonName
	cert, err := completionCertificate(env, rs, evs, council, cerSHA256(doc), now)
	if err != nil {
		return err
	}
	opts := pades.Options{Credential: cred, Revocation: rev, Name: council, Time: now, Location: s.opts.BaseURL,
		FieldName: "Seal of " + council}
	switch {
	case s.opts.TSAURL == "":
		opts.Level = pades.LevelBB
	case rev == nil:
		opts.Level = pades.LevelBT
	default:
		opts.Level = pades.LevelBLT
	}
	if s.opts.TSAURL != "" {
		// Few quick attempts: the job retries for hours with its own backoff.
		opts.TSA = &tsa.Client{URL: s.opts.TSAURL, Attempts: 2, Backoff: 250 * time.Millisecond}
	}
	certOpts := opts
	certOpts.FieldName, certOpts.Reason = "Certificate seal", "Completion certificate of envelope "+env.ID+" ("+env.Title+")"
	signedCert, _, err := sealAtBest(ctx, cert, &certOpts)
	if err != nil {
		return cerSealError(err)
	}
	opts.Reason = "Sealed by " + council + " when everyone had acted; completion certificate SHA-256 " + cerSHA256(signedCert.PDF)
	sealed, short, err := sealAtBest(ctx, doc, &opts)
	if err != nil {
		return cerSealError(err)
	}
	certInfo, err := s.opts.Files.Put(ctx, bytes.NewReader(signedCert.PDF))
	if err != nil {
		return err
	}
	sealedInfo, err := s.opts.Files.Put(ctx, bytes.NewReader(sealed.PDF))
	if err != nil {
		return err
	}
	done := false
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := lockRow(ctx, tx, "signing_envelopes", env.ID); err != nil {
			return err
		}
		env2, err := cerEnvelope(ctx, tx, env.ID)
		if err != nil {
			return err
		}
		if env2.Status != EnvelopeSealing || env2.CurrentBlob != env.CurrentBlob {
			return nil // sealed meanwhile by another node
		}
		ms := store.Millis(now)
		if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET status = ?, sealed_blob = ?, certificate_blob = ?, completed_at = ?, updated_at = ? WHERE id = ?",
			EnvelopeCompleted, sealedInfo.ID, certInfo.ID, ms, ms, env.ID); err != nil {
			return err
		}
		detail := opts.Level.String() + " by " + council
		if short != "" {
			detail += " (not B-LT: " + short + ")"
		}
		if !sealed.TimestampTime.IsZero() {
			detail += ", timestamp " + certStamp(sealed.TimestampTime)
		}
		if err := s.event(ctx, tx, env, Recipient{}, "sealed", council, "", detail, cerSHA256(sealed.PDF)); err != nil {
			return err
		}
		if err := s.event(ctx, tx, env, Recipient{}, "completed", council, "", "completion certificate SHA-256 "+cerSHA256(signedCert.PDF), ""); err != nil {
			return err
		}
		done = true
		return s.publish(ctx, tx, env, EnvelopeCompleted)
	})
	if err != nil || !done {
		return err
	}
	s.sendCopies(ctx, env, rs, sealed.PDF)
	s.sendCompletionNotices(ctx, env, rs)
	return nil
}

// sealAtBest signs at opts.Level and, when B-LT fails for want of
// revocation data for some certificate (a CA whose certificates name no
// CRL or OCSP responder, or whose answers are wrong), at B-T: a seal now
// is better than an envelope stuck in "sealing". Not so for a revoked
// certificate (refused: no level makes it right) or a revocation server
// that is down (the seal waits and is tried again, as for the TSA). It
// returns why it is not B-LT, for the evidence, and leaves opts at the
// level used.
func sealAtBest(ctx context.Context, doc []byte, opts *pades.Options) (*pades.Result, string, error) {
	res, err := pades.Sign(ctx, doc, *opts)
	if err == nil || opts.Level != pades.LevelBLT || tsa.IsTemporary(err) || revfetch.IsTemporary(err) || errors.Is(err, pades.ErrRevoked) ||
		platform.CodeOf(err) != platform.CodeInvalid {
		return res, "", err
	}
	short := platform.AsError(err).Message
	opts.Level, opts.Revocation = pades.LevelBT, nil
	res, err = pades.Sign(ctx, doc, *opts)
	return res, short, err
}

// cerSealError keeps a TSA or revocation server that is down, and a
// revoked certificate, apart from other failures, with what happens next.
func cerSealError(err error) error {
	switch {
	case tsa.IsTemporary(err):
		return &platform.Error{Code: platform.CodeConflict, Message: "The time-stamping authority is not answering: the seal waits and is tried again", Err: err}
	case revfetch.IsTemporary(err):
		return &platform.Error{Code: platform.CodeConflict, Message: "The certificate authority's revocation server is not answering, so the seal cannot embed current revocation data: the seal waits and is tried again", Err: err}
	case errors.Is(err, pades.ErrRevoked):
		return &platform.Error{Code: platform.CodeConflict, Err: err,
			Message: "The council's seal is refused: " + platform.AsError(err).Message + ". An administrator must replace the revoked certificate (import or make active another signing key, or set another time-stamping authority); the envelope waits in sealing until then"}
	}
	return err
}

// sendCopies emails the sealed document to outside recipients and copy
// recipients. A failed email does not undo the seal: the sender can
// download and share the document.
func (s *Store) sendCopies(ctx context.Context, env Envelope, rs []Recipient, sealed []byte) {
	if s.opts.Mail == nil {
		return
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, env.Title) + "-signed.pdf"
	for _, r := range rs {
		if r.Email == "" || r.UserID != "" || (r.Role != RoleCopy && r.Status != RecipientSigned && r.Status != RecipientApproved) {
			continue
		}
		_ = s.opts.Mail.Send(ctx, mail.Message{To: r.Email, Subject: "Completed: " + env.Title,
			Text:        "Hello " + r.Name + ",\n\n\"" + env.Title + "\" has been signed by everyone and sealed by the council. The sealed document is attached.\n",
			Attachments: []mail.Part{{ContentType: "application/pdf", Filename: name, Content: sealed}}})
	}
}

func cerSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Sealed returns an envelope's sealed PDF and its completion certificate
// (both signed by the council), for whoever may read the envelope.
func (s *Store) Sealed(ctx context.Context, sub *platform.Subject, envelopeID string) (sealed, certificate []byte, err error) {
	env, err := cerEnvelope(ctx, s.db, envelopeID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.access.Check(ctx, sub, access.Read, envelopeResource(env)); err != nil {
		return nil, nil, err
	}
	if env.Status != EnvelopeCompleted {
		return nil, nil, platform.Errorf(platform.CodeConflict, "The envelope is %s: there is no sealed document yet", env.Status)
	}
	var certBlob string
	if err := s.db.QueryRow(ctx, "SELECT certificate_blob FROM signing_envelopes WHERE id = ?", env.ID).Scan(&certBlob); err != nil {
		return nil, nil, err
	}
	if sealed, err = s.readBlob(ctx, env.SealedBlob); err != nil {
		return nil, nil, err
	}
	if certificate, err = s.readBlob(ctx, certBlob); err != nil {
		return nil, nil, err
	}
	return sealed, certificate, nil
}

// Evidence is an envelope's events, for whoever may read the envelope.
func (s *Store) Evidence(ctx context.Context, sub *platform.Subject, envelopeID string) ([]Event, error) {
	env, err := cerEnvelope(ctx, s.db, envelopeID)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, sub, access.Read, envelopeResource(env)); err != nil {
		return nil, err
	}
	return cerEvents(ctx, s.db, env.ID)
}
