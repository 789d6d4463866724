package main

import (
	"context"
	"errors"
	"fmt"

	"dbtp/internal/blob"
)

// withBlob parses the shared data flags plus the verb's own and opens only
// the store of files: these verbs need no database, and never make a key.
func withBlob(ctx context.Context, env *cliEnv, f *flags, args []string, fn func(s *blob.Store, dc dataConfig) error) error {
	var dc dataConfig
	f.dataFlags(&dc)
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	s, err := openBlob(ctx, dc, quietLog(env), false)
	if err != nil {
		return err
	}
	return fn(s, dc)
}

// cmdBlobKey makes a new master key file, readable only by its owner. It
// refuses to overwrite a file: losing a key loses every file under it.
func cmdBlobKey(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "blob key", "FILE")
	rest, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	k, err := blob.WriteMasterKeyFile(rest[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "wrote a new blob master key (key ID %s) to %s\nback it up apart from the data: losing it loses every file stored under it\n", k.ID(), rest[0])
	return nil
}

// cmdBlobVerify reads every stored file in full and names each one that is
// damaged, missing or under a key this configuration lacks.
func cmdBlobVerify(ctx context.Context, env *cliEnv, args []string) error {
	return withBlob(ctx, env, newFlags(env, "blob verify", ""), args, func(s *blob.Store, dc dataConfig) error {
		rep, err := s.Verify(ctx, func(id string, err error) {
			if err != nil {
				fmt.Fprintln(env.stdout, oneLine(objectProblem(err)))
			}
		})
		if err != nil {
			return fmt.Errorf("verification stopped after %d files: %w", rep.Objects, err)
		}
		if !rep.OK() {
			bad := rep.Corrupt + rep.Missing + rep.WrongKey
			return fmt.Errorf("%d of %d stored files FAILED verification (%d damaged, %d missing, %d under a key not given)",
				bad, rep.Objects, rep.Corrupt, rep.Missing, rep.WrongKey)
		}
		if rep.Older > 0 {
			return fmt.Errorf("%d of %d stored files are still under the older master key: run dbtp blob rotate-key before retiring it", rep.Older, rep.Objects)
		}
		fmt.Fprintf(env.stdout, "stored files OK: %d files, %d bytes verified under master key %s\n", rep.Objects, rep.Bytes, s.KeyID())
		if rep.Orphans > 0 {
			fmt.Fprintf(env.stdout, "%d unreadable leftovers of interrupted writes (%d bytes) take space but hold no file\n", rep.Orphans, rep.OrphanBytes)
		}
		return nil
	})
}

// objectProblem is one line about a stored file that failed.
func objectProblem(err error) string {
	var oe *blob.ObjectError
	if errors.As(err, &oe) {
		return oe.Error()
	}
	return err.Error()
}

// rotateProgressEvery is how many files pass between progress lines.
const rotateProgressEvery = 1000

// cmdBlobRotateKey re-wraps every file's data key under a new master key.
// Content is not re-encrypted. It is safe to run while serving and to run
// again after an interruption: files already under the new key are skipped.
func cmdBlobRotateKey(ctx context.Context, env *cliEnv, args []string) error {
	f := newFlags(env, "blob rotate-key", "")
	var newFile string
	f.String(&newFile, "new-key-file", "", "", "file of the new master key, made with dbtp blob key FILE (required)")
	var dc dataConfig
	f.dataFlags(&dc)
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if err := required("blob rotate-key", "new-key-file", newFile); err != nil {
		return err
	}
	newKey, err := blob.LoadMasterKey(newFile)
	if err != nil {
		return err
	}
	o, err := openBlobKeys(ctx, dc, quietLog(env), false, &newKey)
	if err != nil {
		return err
	}
	// The key being retired is the configured one, or, once the nodes have
	// been switched to the new key, the one given as the older key.
	from := o.key
	if from.ID() == newKey.ID() {
		if len(o.older) == 0 {
			return badUsage("the configured key already is the new key: give the key being retired as --blob-old-key-file")
		}
		from = o.older[0]
	}
	if from.ID() == newKey.ID() {
		return badUsage("the new key and the old key are the same key (%s)", newKey.ID())
	}
	rs := blob.New(o.backend, newKey, from)
	seen := 0
	rep, err := rs.RotateKeyProgress(ctx, from, newKey, func(r blob.RotateReport) {
		if seen++; seen%rotateProgressEvery == 0 {
			fmt.Fprintf(env.stdout, "%d files: %d re-wrapped, %d already under the new key, %d failed\n", seen, r.Rewrapped, r.Skipped, r.Failed)
		}
	})
	if err != nil {
		for _, e := range rep.Errors {
			fmt.Fprintln(env.stdout, oneLine(objectProblem(e)))
		}
		return fmt.Errorf("key rotation stopped: %d re-wrapped, %d already under the new key, %d failed: %w (run it again when fixed; it resumes)",
			rep.Rewrapped, rep.Skipped, rep.Failed, err)
	}
	fmt.Fprintf(env.stdout, "key rotation done: %d files re-wrapped from key %s to key %s, %d already under it\n",
		rep.Rewrapped, from.ID(), newKey.ID(), rep.Skipped)
	return nil
}
