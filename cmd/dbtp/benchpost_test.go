package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The post mix runs end to end against a real server: a sending service,
// template and test key are made in the bench organisation, and Notify
// API sends are accepted without an error.
func TestBenchPostMix(t *testing.T) {
	dir := t.TempDir()
	r := startDemo(t, dir)
	var out, errs bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errs, getenv: func(string) string { return "" }}
	err := cmdBench(context.Background(), env, []string{"--data", dir, "--url", r.url, "--mix", "post", "--concurrency", "4",
		"--rounds", "1", "--duration", "1s"})
	if err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, out.String(), errs.String())
	}
	m := regexp.MustCompile(`Notify API email sends +(\d+) in .*; errors 0\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the post mix had errors:\n%s", out.String())
	}
	if n, _ := strconv.Atoi(m[1]); n == 0 {
		t.Fatalf("no sends:\n%s", out.String())
	}
}

// An unknown mix is refused with the list, modules' mixes included.
func TestBenchUnknownMixListsModuleMixes(t *testing.T) {
	dir := t.TempDir()
	var out, errs bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errs, getenv: func(string) string { return "" }}
	err := cmdBench(context.Background(), env, []string{"--data", dir, "--url", "http://127.0.0.1:1", "--mix", "nope"})
	if err == nil || !strings.Contains(err.Error(), "real, pages, write, post") {
		t.Fatalf("unknown mix: %v", err)
	}
}
