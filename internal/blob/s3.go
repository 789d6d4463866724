package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config locates an S3-compatible bucket.
type S3Config struct {
	Endpoint  string // host[:port], without scheme
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string // empty: the server's default
	TLS       bool   // https (true) or http
	// Prefix is put before every object name (for example "dbtp/"), so the
	// bucket can be shared with other things.
	Prefix string
	// PartSize is the size of one part of a multipart upload, and so the
	// memory one large upload holds. Default 16 MiB (objects up to 160 GB);
	// S3 allows 5 MiB at least and 10,000 parts.
	PartSize int64
	// MaxRetries of a failed request; 0 means the client's default (10).
	MaxRetries int
}

const (
	minPartSize     = 5 << 20
	defaultPartSize = 16 << 20
)

// S3 stores objects in an S3-compatible bucket through minio-go. Small
// objects are one PUT; large ones a multipart upload that is completed only
// by Commit, so an interrupted upload is never visible (the server keeps its
// parts until they are aborted: set a lifecycle rule that aborts incomplete
// multipart uploads after a day).
type S3 struct {
	core     minio.Core
	bucket   string
	prefix   string
	partSize int64
}

// NewS3 connects to the bucket and checks that it exists.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("blob S3: endpoint and bucket are required")
	}
	if strings.Contains(cfg.Endpoint, "://") {
		return nil, fmt.Errorf("blob S3: endpoint %q must be host[:port] without a scheme; use the TLS setting for https", cfg.Endpoint)
	}
	if cfg.Prefix != "" && (!strings.HasSuffix(cfg.Prefix, "/") || strings.HasPrefix(cfg.Prefix, "/")) {
		return nil, fmt.Errorf("blob S3: prefix %q must end with / and not start with one", cfg.Prefix)
	}
	part := cfg.PartSize
	if part == 0 {
		part = defaultPartSize
	}
	if part < minPartSize {
		return nil, fmt.Errorf("blob S3: part size %d is below S3's minimum of 5 MiB", part)
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     cfg.TLS,
		Region:     cfg.Region,
		MaxRetries: cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("blob S3: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob S3: checking bucket %q at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob S3: bucket %q does not exist at %s", cfg.Bucket, cfg.Endpoint)
	}
	return &S3{core: minio.Core{Client: c}, bucket: cfg.Bucket, prefix: cfg.Prefix, partSize: part}, nil
}

func (s *S3) key(name string) (string, error) {
	if !validName(name) {
		return "", fmt.Errorf("blob: invalid object name %q", name)
	}
	return s.prefix + name, nil
}

// s3Err turns "no such key" into fs.ErrNotExist and leaves the rest.
func s3Err(name string, err error) error {
	if err == nil {
		return nil
	}
	if code := minio.ToErrorResponse(err).Code; code == minio.NoSuchKey || code == "NotFound" {
		return fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return fmt.Errorf("blob S3 %s: %w", name, err)
}

// Create implements Backend.
func (s *S3) Create(ctx context.Context, name string) (Upload, error) {
	key, err := s.key(name)
	if err != nil {
		return nil, err
	}
	return &s3Upload{s: s, ctx: ctx, key: key}, nil
}

// s3Upload buffers one part at a time. Until a part is full nothing is sent,
// so an object smaller than a part becomes a single atomic PUT at Commit.
type s3Upload struct {
	s        *S3
	ctx      context.Context
	key      string
	buf      []byte
	uploadID string
	parts    []minio.CompletePart
	done     bool
}

func (u *s3Upload) Write(p []byte) (int, error) {
	if u.done {
		return 0, errors.New("blob: upload already finished")
	}
	written := 0
	for len(p) > 0 {
		n := min(len(p), int(u.s.partSize)-len(u.buf))
		if len(u.buf)+n > cap(u.buf) {
			// Small objects keep a small buffer; past 1 MiB go straight to
			// one part's worth, so a large upload allocates it once.
			c := max(2*cap(u.buf), len(u.buf)+n, 64<<10)
			if c > 1<<20 {
				c = int(u.s.partSize)
			}
			u.buf = append(make([]byte, 0, c), u.buf...)
		}
		u.buf = append(u.buf, p[:n]...)
		p = p[n:]
		written += n
		if len(u.buf) == int(u.s.partSize) {
			if err := u.sendPart(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

func (u *s3Upload) sendPart() error {
	if u.uploadID == "" {
		id, err := u.s.core.NewMultipartUpload(u.ctx, u.s.bucket, u.key, minio.PutObjectOptions{})
		if err != nil {
			return s3Err(u.key, err)
		}
		u.uploadID = id
	}
	n := len(u.parts) + 1
	part, err := u.s.core.PutObjectPart(u.ctx, u.s.bucket, u.key, u.uploadID, n,
		bytes.NewReader(u.buf), int64(len(u.buf)), minio.PutObjectPartOptions{})
	if err != nil {
		return s3Err(u.key, err)
	}
	u.parts = append(u.parts, minio.CompletePart{PartNumber: n, ETag: part.ETag})
	u.buf = u.buf[:0]
	return nil
}

func (u *s3Upload) Commit(ctx context.Context) error {
	if u.done {
		return errors.New("blob: upload already finished")
	}
	var err error
	if u.uploadID == "" {
		_, err = u.s.core.PutObject(ctx, u.s.bucket, u.key, bytes.NewReader(u.buf), int64(len(u.buf)), "", "", minio.PutObjectOptions{})
	} else {
		if len(u.buf) > 0 {
			err = u.sendPart()
		}
		if err == nil {
			_, err = u.s.core.CompleteMultipartUpload(ctx, u.s.bucket, u.key, u.uploadID, u.parts, minio.PutObjectOptions{})
		}
	}
	if err != nil {
		u.Abort()
		return s3Err(u.key, err)
	}
	u.done, u.buf = true, nil
	return nil
}

func (u *s3Upload) Abort() error {
	if u.done {
		return nil
	}
	u.done, u.buf = true, nil
	if u.uploadID == "" {
		return nil
	}
	// The caller's context may be the reason we abort; still tell the server.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(u.ctx), 30*time.Second)
	defer cancel()
	return u.s.core.AbortMultipartUpload(ctx, u.s.bucket, u.key, u.uploadID)
}

// Put implements Backend.
func (s *S3) Put(ctx context.Context, name string, data []byte) error {
	key, err := s.key(name)
	if err != nil {
		return err
	}
	_, err = s.core.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), "", "", minio.PutObjectOptions{})
	return s3Err(name, err)
}

// Get implements Backend.
func (s *S3) Get(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	key, err := s.key(name)
	if err != nil {
		return nil, 0, err
	}
	body, info, _, err := s.core.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, s3Err(name, err)
	}
	return body, info.Size, nil
}

// Stat implements Backend.
func (s *S3) Stat(ctx context.Context, name string) (Entry, error) {
	key, err := s.key(name)
	if err != nil {
		return Entry{}, err
	}
	info, err := s.core.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Entry{}, s3Err(name, err)
	}
	return Entry{Name: name, Size: info.Size, ModTime: info.LastModified}, nil
}

// Delete implements Backend.
func (s *S3) Delete(ctx context.Context, name string) error {
	key, err := s.key(name)
	if err != nil {
		return err
	}
	return s3Err(name, s.core.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}))
}

// List implements Backend.
func (s *S3) List(ctx context.Context, prefix string, fn func(Entry) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine if fn returns early
	for obj := range s.core.Client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("blob S3: listing %s: %w", prefix, obj.Err)
		}
		name := strings.TrimPrefix(obj.Key, s.prefix)
		if !validName(name) {
			continue
		}
		if err := fn(Entry{Name: name, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}
