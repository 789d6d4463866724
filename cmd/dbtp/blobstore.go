package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"dbtp/internal/blob"
)

// blobConfig is where stored files live and the master key that wraps
// their data keys. The key itself and the S3 credentials are read from the
// environment only: flags show in ps.
type blobConfig struct {
	KeyFile    string // default <data>/blob.key
	KeyText    string // DBTP_BLOB_KEY: the key as text; wins over KeyFile
	OldKeyFile string // an older key still accepted for reading (rotation)
	Dir        string // default <data>/blobs
	S3         blob.S3Config
}

func (f *flags) blobFlags(c *blobConfig) {
	f.String(&c.KeyFile, "blob-key-file", "DBTP_BLOB_KEY_FILE", "", "file holding the master key of stored files (default DATA/blob.key); DBTP_BLOB_KEY, the key itself, wins over it")
	f.String(&c.OldKeyFile, "blob-old-key-file", "DBTP_BLOB_OLD_KEY_FILE", "", "an older master key still accepted for reading while a key rotation finishes")
	f.String(&c.Dir, "blob-dir", "DBTP_BLOB_DIR", "", "folder of stored files on the local disk (default DATA/blobs)")
	f.String(&c.S3.Endpoint, "blob-s3-endpoint", "DBTP_BLOB_S3_ENDPOINT", "", "host[:port] of S3-compatible storage to keep files in instead of the disk; credentials from DBTP_BLOB_S3_ACCESS_KEY and DBTP_BLOB_S3_SECRET_KEY")
	f.String(&c.S3.Bucket, "blob-s3-bucket", "DBTP_BLOB_S3_BUCKET", "", "S3 bucket (must exist)")
	f.String(&c.S3.Region, "blob-s3-region", "DBTP_BLOB_S3_REGION", "", "S3 region (default: the server's)")
	f.String(&c.S3.Prefix, "blob-s3-prefix", "DBTP_BLOB_S3_PREFIX", "", "prefix of every object name, ending in /, to share a bucket (e.g. dbtp/)")
	f.Bool(&c.S3.TLS, "blob-s3-tls", "DBTP_BLOB_S3_TLS", true, "reach S3 over https")
	c.KeyText = f.env.getenv("DBTP_BLOB_KEY")
	c.S3.AccessKey = f.env.getenv("DBTP_BLOB_S3_ACCESS_KEY")
	c.S3.SecretKey = f.env.getenv("DBTP_BLOB_S3_SECRET_KEY")
}

// keyFile is the master key file in use.
func (dc dataConfig) keyFile() string {
	if dc.Blob.KeyFile != "" {
		return dc.Blob.KeyFile
	}
	return filepath.Join(dc.Data, "blob.key")
}

// where names the store in messages.
func (c blobConfig) where(data string) string {
	if c.S3.Endpoint != "" {
		return fmt.Sprintf("S3 bucket %s at %s", c.S3.Bucket, c.S3.Endpoint)
	}
	return "folder " + c.dir(data)
}

func (c blobConfig) dir(data string) string {
	if c.Dir != "" {
		return c.Dir
	}
	return filepath.Join(data, "blobs")
}

// backend is S3 when an endpoint is set, else a folder on the disk.
func (c blobConfig) backend(ctx context.Context, data string) (blob.Backend, error) {
	if c.S3.Endpoint != "" {
		if c.S3.Bucket == "" {
			return nil, badUsage("--blob-s3-bucket is needed with --blob-s3-endpoint")
		}
		if c.S3.AccessKey == "" || c.S3.SecretKey == "" {
			return nil, badUsage("S3 storage needs DBTP_BLOB_S3_ACCESS_KEY and DBTP_BLOB_S3_SECRET_KEY in the environment")
		}
		return blob.NewS3(ctx, c.S3)
	}
	return blob.NewDisk(c.dir(data))
}

// openBlob opens the store of files and checks its master key before
// anything else is opened or changed. With create, a first start on an
// empty disk store makes the key file; a key that has gone missing while
// files are stored, or a key that is not theirs, stops the start.
func openBlob(ctx context.Context, dc dataConfig, log *slog.Logger, create bool) (*blob.Store, error) {
	o, err := openBlobKeys(ctx, dc, log, create, nil)
	return o.store, err
}

// openedBlob is the opened store with its parts, for the key rotation verb.
type openedBlob struct {
	store   *blob.Store
	backend blob.Backend
	key     blob.MasterKey   // the configured key
	older   []blob.MasterKey // --blob-old-key-file, if given
}

// openBlobKeys is openBlob; a next key (during a rotation) also passes the
// start check, since files may already be under it.
func openBlobKeys(ctx context.Context, dc dataConfig, log *slog.Logger, create bool, next *blob.MasterKey) (openedBlob, error) {
	var o openedBlob
	var err error
	if o.backend, err = dc.Blob.backend(ctx, dc.Data); err != nil {
		return o, err
	}
	var source string
	if o.key, source, err = loadBlobKey(ctx, dc, o.backend, log, create); err != nil {
		return o, err
	}
	if dc.Blob.OldKeyFile != "" {
		old, err := blob.LoadMasterKey(dc.Blob.OldKeyFile)
		if err != nil {
			return o, err
		}
		o.older = append(o.older, old)
	}
	s := blob.New(o.backend, o.key, o.older...)
	check := s
	if next != nil {
		check = blob.New(o.backend, o.key, append([]blob.MasterKey{*next}, o.older...)...)
	}
	if err := check.CheckKey(ctx); err != nil {
		var oe *blob.ObjectError
		if errors.Is(err, blob.ErrWrongKey) && errors.As(err, &oe) {
			return o, fmt.Errorf("the blob master key from %s (key ID %s) does not match the files stored in the %s: %s; "+
				"start with the key they were stored under (or give it as --blob-old-key-file during a rotation); nothing was changed",
				source, o.key.ID(), dc.Blob.where(dc.Data), oe.Detail)
		}
		return o, fmt.Errorf("checking the blob master key: %w", err)
	}
	o.store = s
	return o, nil
}

// loadBlobKey reads the key from DBTP_BLOB_KEY or the key file, making the
// file on a first start when allowed. It returns where the key came from.
func loadBlobKey(ctx context.Context, dc dataConfig, b blob.Backend, log *slog.Logger, create bool) (blob.MasterKey, string, error) {
	if strings.TrimSpace(dc.Blob.KeyText) != "" {
		k, err := blob.ParseMasterKey(dc.Blob.KeyText)
		if err != nil {
			return blob.MasterKey{}, "", fmt.Errorf("DBTP_BLOB_KEY: %w", err)
		}
		return k, "DBTP_BLOB_KEY", nil
	}
	path := dc.keyFile()
	k, err := blob.LoadMasterKey(path)
	if err == nil {
		return k, path, nil
	}
	if _, serr := os.Stat(path); !errors.Is(serr, fs.ErrNotExist) {
		return blob.MasterKey{}, "", err // there, but unreadable or malformed
	}
	has, herr := blob.HasObjects(ctx, b)
	if herr != nil {
		return blob.MasterKey{}, "", herr
	}
	if has {
		return blob.MasterKey{}, "", fmt.Errorf("the blob master key file %s is missing; the store holds encrypted objects that cannot be read without it "+
			"(restore the file from its backup, or give the key as DBTP_BLOB_KEY)", path)
	}
	if !create {
		return blob.MasterKey{}, "", err
	}
	if dc.Blob.S3.Endpoint != "" {
		// Several nodes share a bucket: each making its own key on a first
		// start would wrap files under different keys.
		return blob.MasterKey{}, "", fmt.Errorf("the blob master key file %s does not exist: with S3 storage, make the key once "+
			"with `dbtp blob key %s` and give every node the same key", path, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return blob.MasterKey{}, "", fmt.Errorf("blob master key file: %w", err)
	}
	k, err = blob.WriteMasterKeyFile(path)
	if err != nil {
		return blob.MasterKey{}, "", err
	}
	log.Warn("made a new master key for stored files: back this file up now, apart from the data; losing it loses every stored file",
		"file", path, "key_id", k.ID())
	return k, path, nil
}
