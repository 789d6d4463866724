package blob

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Disk keeps objects as files under a directory (by default a folder in the
// data directory). Uploads are written to .tmp/ and renamed into place after
// an fsync, and the directory is fsynced after the rename, so a crash leaves
// either the whole object or nothing under its name.
type Disk struct {
	root string
	tmp  string
}

// staleTemp is how old an upload's temporary file must be before NewDisk
// removes it as left behind by a crash; no upload takes a day.
const staleTemp = 24 * time.Hour

// NewDisk opens (creating if needed) a disk backend rooted at dir.
func NewDisk(dir string) (*Disk, error) {
	d := &Disk{root: dir, tmp: filepath.Join(dir, ".tmp")}
	if err := os.MkdirAll(d.tmp, 0o700); err != nil {
		return nil, fmt.Errorf("blob store directory: %w", err)
	}
	// Leftovers of uploads cut short by a crash: invisible, but they hold space.
	entries, err := os.ReadDir(d.tmp)
	if err != nil {
		return nil, fmt.Errorf("blob store directory: %w", err)
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			os.Remove(filepath.Join(d.tmp, e.Name()))
		}
	}
	return d, nil
}

func (d *Disk) path(name string) (string, error) {
	if !validName(name) {
		return "", fmt.Errorf("blob: invalid object name %q", name)
	}
	return filepath.Join(d.root, filepath.FromSlash(name)), nil
}

// Create implements Backend.
func (d *Disk) Create(ctx context.Context, name string) (Upload, error) {
	final, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(d.tmp, "up-*")
	if err != nil {
		return nil, err
	}
	w, _ := writerPool.Get().(*bufio.Writer)
	if w == nil {
		w = bufio.NewWriterSize(f, 256<<10)
	}
	w.Reset(f)
	return &diskUpload{d: d, f: f, w: w, final: final}, nil
}

// writerPool keeps the uploads' 256 KiB write buffers: one allocated for
// every upload was the largest share of the garbage a busy node made.
var writerPool sync.Pool

type diskUpload struct {
	d     *Disk
	f     *os.File
	w     *bufio.Writer // nil for Put's small writes, and once finished
	final string
	done  bool
}

func (u *diskUpload) Write(p []byte) (int, error) {
	if u.done {
		return 0, errors.New("blob: upload already finished")
	}
	if u.w == nil {
		return u.f.Write(p)
	}
	return u.w.Write(p)
}

// release returns the write buffer to the pool, emptied and detached from
// the file.
func (u *diskUpload) release() {
	if u.w != nil {
		u.w.Reset(nil)
		writerPool.Put(u.w)
		u.w = nil
	}
}

func (u *diskUpload) Commit(ctx context.Context) error {
	if u.done {
		return errors.New("blob: upload already finished")
	}
	if err := ctx.Err(); err != nil {
		u.Abort()
		return err
	}
	var err error
	if u.w != nil {
		err = u.w.Flush()
	}
	u.release()
	if err == nil {
		err = u.f.Sync()
	}
	if cerr := u.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = u.d.publish(u.f.Name(), u.final)
	}
	if err != nil {
		os.Remove(u.f.Name())
	}
	u.done = true
	return err
}

func (u *diskUpload) Abort() error {
	if u.done {
		return nil
	}
	u.done = true
	u.release()
	u.f.Close()
	return os.Remove(u.f.Name())
}

// publish renames a synced temporary file to its final name and makes the
// rename durable.
func (d *Disk) publish(tmp, final string) error {
	dir := filepath.Dir(final)
	if err := d.mkdirs(dir); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return syncDir(dir)
}

// mkdirs creates dir and its missing parents, syncing each parent so the new
// entries survive a crash.
func (d *Disk) mkdirs(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if dir == d.root || !strings.HasPrefix(dir, d.root) {
		return os.MkdirAll(dir, 0o700)
	}
	parent := filepath.Dir(dir)
	if err := d.mkdirs(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Put implements Backend. It writes data to the file at once, without
// Create's buffer.
func (d *Disk) Put(ctx context.Context, name string, data []byte) error {
	final, err := d.path(name)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(d.tmp, "up-*")
	if err != nil {
		return err
	}
	u := &diskUpload{d: d, f: f, final: final}
	if _, err := u.Write(data); err != nil {
		u.Abort()
		return err
	}
	return u.Commit(ctx)
}

// Get implements Backend.
func (d *Disk) Get(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, info.Size(), nil
}

// Stat implements Backend.
func (d *Disk) Stat(ctx context.Context, name string) (Entry, error) {
	p, err := d.path(name)
	if err != nil {
		return Entry{}, err
	}
	info, err := os.Stat(p)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Name: name, Size: info.Size(), ModTime: info.ModTime()}, nil
}

// Delete implements Backend.
func (d *Disk) Delete(ctx context.Context, name string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return syncDir(filepath.Dir(p))
}

// List implements Backend.
func (d *Disk) List(ctx context.Context, prefix string, fn func(Entry) error) error {
	// Walk only the directory the prefix names, then filter by the rest.
	start := d.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = filepath.Join(d.root, filepath.FromSlash(prefix[:i]))
	}
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.IsDir() {
			if p == d.tmp {
				return filepath.SkipDir
			}
			return ctx.Err()
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !strings.HasPrefix(name, prefix) || !validName(name) {
			return nil
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while we walked
		}
		if err != nil {
			return err
		}
		return fn(Entry{Name: name, Size: info.Size(), ModTime: info.ModTime()})
	})
	return err
}
