package mqtt

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var testMods = []store.Migrations{audit.Migrations, identity.Migrations, workplace.Migrations}

// env is the workplace engine over a real database, one council with a
// workplace manager, a desk, and an ingester running for the test.
type env struct {
	t    testing.TB
	ctx  context.Context
	db   *store.DB
	ws   *workplace.Store
	in   *workplace.Ingester
	org  platform.Org
	kim  *platform.Subject
	desk workplace.Resource
	room workplace.Resource
}

func newEnv(t testing.TB, db *store.DB, opts workplace.IngestOptions) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := audittest.NewLog(t, db)
	ap := access.New(log)
	noErr(t, ap.Register(workplace.ResourceType, workplace.Policy))
	id := identity.New(db, log, ap, identity.Options{})
	e := &env{t: t, ctx: ctx, db: db, ws: workplace.New(db, log, ap, workplace.Options{})}
	var err error
	e.org, err = id.CreateOrg(ctx, platform.System(""), identity.NewOrg{Slug: "northshire", Name: "Northshire Council", Kind: platform.OrgCouncil})
	noErr(t, err)
	u, err := id.CreateUser(ctx, platform.System(e.org.ID), identity.NewUser{Email: "kim@northshire.example", Name: "Kim", Roles: []platform.Role{platform.RoleWorkplace}})
	noErr(t, err)
	e.kim = &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: e.org.ID, Roles: u.Roles}
	b, err := e.ws.CreateBuilding(ctx, e.kim, workplace.BuildingInput{Name: "County Hall"})
	noErr(t, err)
	f, err := e.ws.CreateFloor(ctx, e.kim, workplace.FloorInput{BuildingID: b.ID, Name: "First floor", Level: 1})
	noErr(t, err)
	e.desk, err = e.ws.CreateResource(ctx, e.kim, workplace.ResourceInput{Kind: workplace.KindDesk, Name: "Desk 1.01", FloorID: f.ID, X: -1, Y: -1})
	noErr(t, err)
	e.room, err = e.ws.CreateResource(ctx, e.kim, workplace.ResourceInput{Kind: workplace.KindRoom, Name: "Medway Room", FloorID: f.ID, X: -1, Y: -1, Capacity: 8})
	noErr(t, err)
	e.in = e.ws.NewIngester(opts)
	done := make(chan struct{})
	go func() { e.in.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

func (e *env) sensor(name string, target workplace.Resource) (workplace.Sensor, string) {
	e.t.Helper()
	sn, secret, err := e.ws.CreateSensor(e.ctx, e.kim, workplace.SensorInput{Name: name, Kind: workplace.SensorOccupancy, TargetKind: workplace.TargetResource, TargetID: target.ID})
	noErr(e.t, err)
	return sn, secret
}

func (e *env) slug(ctx context.Context, orgID string) (string, error) {
	if orgID == e.org.ID {
		return e.org.Slug, nil
	}
	return "", platform.NotFound("organisation")
}

func (e *env) orgID(ctx context.Context, slug string) string {
	if slug == e.org.Slug {
		return e.org.ID
	}
	return ""
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	noErr(e.t, e.db.QueryRow(e.ctx, q, args...).Scan(&n))
	return n
}

// deadLetters are the organisation's dead letters' reasons, once all
// that was submitted is written.
func (e *env) deadLetters() []string {
	e.t.Helper()
	noErr(e.t, e.in.Flush(e.ctx))
	dl, err := e.ws.DeadLetters(e.ctx, e.kim, 0)
	noErr(e.t, err)
	var out []string
	for _, d := range dl {
		out = append(out, d.Reason)
	}
	return out
}

func hasReason(reasons []string, want string) bool {
	for _, r := range reasons {
		if strings.Contains(r, want) {
			return true
		}
	}
	return false
}

// tool finds a Debian mosquitto binary; outside CI a missing one skips.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		if _, err := os.Stat(dir + "/" + name); err == nil {
			return dir + "/" + name
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true (Debian packages mosquitto and mosquitto-clients)", name)
	}
	t.Skipf("skipping: %s not installed (apt-get install mosquitto mosquitto-clients)", name)
	return ""
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
