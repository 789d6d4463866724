package loadgen_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/loadgen"
)

// roleServer signs people in with their role in the cookie, serves pages
// that say whose they are, a form that carries a version, and a change that
// answers 409 when the version posted is stale.
func roleServer(t *testing.T) (string, *sync.Map) {
	var seen sync.Map // "role path" -> count
	var mu sync.Mutex
	version := 1
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sign-in", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<input type="hidden" name="csrf_token" value="tok">`)
	})
	mux.HandleFunc("POST /sign-in", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "role", Value: strings.SplitN(r.FormValue("email"), "@", 2)[0], Path: "/"})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	count := func(r *http.Request) string {
		role := "token"
		if c, err := r.Cookie("role"); err == nil {
			role = c.Value
		}
		k := role + " " + r.Method + " " + r.URL.Path
		n, _ := seen.LoadOrStore(k, new(int64))
		mu.Lock()
		*n.(*int64)++
		mu.Unlock()
		return role
	}
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) { count(r); fmt.Fprint(w, "ok") })
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, `<input type="hidden" name="csrf_token" value="tok"><input name="version" value="%d">`, version)
	})
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		mu.Lock()
		defer mu.Unlock()
		if r.FormValue("version") != fmt.Sprint(version) || r.Header.Get("Origin") == "" {
			w.WriteHeader(http.StatusConflict)
			return
		}
		version++
		http.Redirect(w, r, "/page", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		if r.Header.Get("Authorization") != "Bearer T" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String(), &seen
}

func TestScenariosRunByRoleWithWeightsConflictsApart(t *testing.T) {
	base, seen := roleServer(t)
	users := []loadgen.Credential{{Email: "staff@x", Role: "staff"}, {Email: "resident@x", Role: "resident"}}
	get := func(p string) func(context.Context, *loadgen.Client, int) error {
		return func(ctx context.Context, c *loadgen.Client, _ int) error { _, err := c.Get(ctx, p); return err }
	}
	// The stale change posts a version the form never showed: always 409.
	change := func(stale bool) func(context.Context, *loadgen.Client, int) error {
		return func(ctx context.Context, c *loadgen.Client, _ int) error {
			page, err := c.Get(ctx, "/form")
			if err != nil {
				return err
			}
			tok, ok := loadgen.CSRFToken(page)
			if !ok {
				return fmt.Errorf("no token")
			}
			v := "0"
			if !stale {
				v = strings.Split(strings.Split(string(page), `name="version" value="`)[1], `"`)[0]
			}
			_, err = c.PostForm(ctx, "/form", map[string][]string{"csrf_token": {tok}, "version": {v}}, http.StatusSeeOther)
			return err
		}
	}
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		BaseURL: base, Users: users, Rate: 400, Duration: 250 * time.Millisecond, // 100 scenarios
		Scenarios: []loadgen.Scenario{
			{Name: "staff page", Role: "staff", Weight: 40, Run: get("/page")},
			{Name: "resident page", Role: "resident", Weight: 30, Run: get("/page")},
			{Name: "api", Token: "T", Weight: 10, Run: get("/api")},
			{Name: "stale change", Role: "staff", Weight: 10, Run: change(true)},
			{Name: "broken", Role: "resident", Weight: 10, Run: get("/broken")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Steady
	if st.Requests != 100 || st.Conflicts != 10 || st.Errors != 10 {
		t.Fatalf("steady: %d scenarios, %d conflicts, %d errors; want 100, 10, 10", st.Requests, st.Conflicts, st.Errors)
	}
	if st.Reasons["broken: GET /broken: status 500"] != 10 {
		t.Fatalf("reasons: %v", st.Reasons)
	}
	if res.HTTPRequests != 110 { // the stale change sends two
		t.Fatalf("HTTP requests = %d, want 110", res.HTTPRequests)
	}
	want := map[string]int64{"staff GET /page": 40, "resident GET /page": 30, "token GET /api": 10, "staff GET /form": 10, "staff POST /form": 10}
	for k, n := range want {
		v, ok := seen.Load(k)
		if !ok || *v.(*int64) != n {
			t.Errorf("%s: got %v, want %d", k, v, n)
		}
	}
	per := map[string]loadgen.NamedSummary{}
	for _, p := range res.PerScenario {
		per[p.Name] = p
	}
	if per["staff page"].Requests != 40 || per["stale change"].Conflicts != 10 || per["broken"].Errors != 10 || per["api"].Errors != 0 {
		t.Fatalf("per scenario: %+v", res.PerScenario)
	}
}

func TestFreshChangeSucceeds(t *testing.T) {
	base, _ := roleServer(t)
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		BaseURL: base, Users: []loadgen.Credential{{Email: "staff@x", Role: "staff"}}, Rate: 100, Duration: 100 * time.Millisecond,
		Scenarios: []loadgen.Scenario{{Name: "change", Role: "staff", Weight: 1, Run: func(ctx context.Context, c *loadgen.Client, _ int) error {
			page, err := c.Get(ctx, "/form")
			if err != nil {
				return err
			}
			tok, _ := loadgen.CSRFToken(page)
			v := strings.Split(strings.Split(string(page), `name="version" value="`)[1], `"`)[0]
			_, err = c.PostForm(ctx, "/form", map[string][]string{"csrf_token": {tok}, "version": {v}}, http.StatusSeeOther)
			return err
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Changes one after another each see the version the last one left;
	// any overlap shows as a conflict, never as an error.
	if res.Steady.Errors != 0 || res.Steady.Requests != 10 || res.Steady.Conflicts == 10 {
		t.Fatalf("steady: %+v", res.Steady)
	}
}

func TestScenarioWithoutItsRoleIsRefused(t *testing.T) {
	base, _ := roleServer(t)
	_, err := loadgen.Run(context.Background(), loadgen.Config{
		BaseURL: base, Users: []loadgen.Credential{{Email: "staff@x", Role: "staff"}}, Rate: 10, Duration: 100 * time.Millisecond,
		Scenarios: []loadgen.Scenario{{Name: "resident page", Role: "resident", Weight: 1, Run: func(context.Context, *loadgen.Client, int) error { return nil }}},
	})
	if err == nil || !strings.Contains(err.Error(), "resident") {
		t.Fatalf("want a refusal naming the role, got %v", err)
	}
}
