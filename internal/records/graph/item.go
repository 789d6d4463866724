package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"dbtp/internal/platform"
)

// Item is what dbtp keeps of a driveItem: enough to find it again, to
// describe it as a record, and to check its content.
type Item struct {
	ID, DriveID, Name, MimeType, WebURL, ETag string
	Size                                      int64
	Created, Modified                         time.Time
	CreatedBy, ModifiedBy                     string // display names
	Path                                      string // parent folder, e.g. "/Care plans/2024"; "/" at the top of the drive
	SiteID                                    string // SharePoint site (empty for some OneDrive items)
	QuickXorHash, SHA256                      string // as Graph gives them, if any
	// Folder is set for folders and packages (OneNote notebooks): items
	// that hold other items rather than content of their own.
	Folder bool
}

// driveItem is the part of Graph's driveItem resource dbtp reads.
type driveItem struct {
	ID                   string      `json:"id"`
	Name                 string      `json:"name"`
	ETag                 string      `json:"eTag"`
	Size                 int64       `json:"size"`
	WebURL               string      `json:"webUrl"`
	CreatedDateTime      time.Time   `json:"createdDateTime"`
	LastModifiedDateTime time.Time   `json:"lastModifiedDateTime"`
	CreatedBy            identitySet `json:"createdBy"`
	LastModifiedBy       identitySet `json:"lastModifiedBy"`
	ParentReference      struct {
		DriveID string `json:"driveId"`
		Path    string `json:"path"`
		SiteID  string `json:"siteId"`
	} `json:"parentReference"`
	File *struct {
		MimeType string `json:"mimeType"`
		Hashes   struct {
			QuickXorHash string `json:"quickXorHash"`
			SHA256Hash   string `json:"sha256Hash"`
		} `json:"hashes"`
	} `json:"file"`
	Folder  *json.RawMessage `json:"folder"`
	Package *json.RawMessage `json:"package"`
}

type identity struct {
	DisplayName string `json:"displayName"`
}

// identitySet names who did something: a person, or failing that the
// application or device (files written by a migration tool have only an
// application).
type identitySet struct {
	User        *identity `json:"user"`
	Application *identity `json:"application"`
	Device      *identity `json:"device"`
}

func (s identitySet) name() string {
	for _, id := range []*identity{s.User, s.Application, s.Device} {
		if id != nil && id.DisplayName != "" {
			return id.DisplayName
		}
	}
	return ""
}

func (d *driveItem) item() Item {
	it := Item{
		ID: d.ID, DriveID: d.ParentReference.DriveID, Name: d.Name, WebURL: d.WebURL, ETag: d.ETag,
		Size: d.Size, Created: d.CreatedDateTime, Modified: d.LastModifiedDateTime,
		CreatedBy: d.CreatedBy.name(), ModifiedBy: d.LastModifiedBy.name(),
		Path: parentPath(d.ParentReference.Path), SiteID: d.ParentReference.SiteID,
		Folder: d.Folder != nil || d.Package != nil,
	}
	if d.File != nil {
		it.MimeType = d.File.MimeType
		it.QuickXorHash = d.File.Hashes.QuickXorHash
		it.SHA256 = d.File.Hashes.SHA256Hash
	}
	return it
}

// parentPath turns parentReference.path ("/drive/root:/Care%20plans" or
// "/drives/{id}/root:/Care%20plans", percent-encoded) into the folder a
// person sees ("/Care plans"). Graph documents that everything up to the
// first colon can be ignored.
func parentPath(p string) string {
	_, rest, ok := strings.Cut(p, ":")
	if !ok {
		return ""
	}
	if dec, err := url.PathUnescape(rest); err == nil {
		rest = dec
	}
	if rest == "" {
		return "/"
	}
	return rest
}

// Item fetches the metadata of /drives/{driveID}/items/{itemID}.
func (c *Client) Item(ctx context.Context, driveID, itemID string) (Item, error) {
	if err := checkID("drive ID", driveID); err != nil {
		return Item{}, err
	}
	if err := checkID("item ID", itemID); err != nil {
		return Item{}, err
	}
	return c.getItem(ctx, "/drives/"+url.PathEscape(driveID)+"/items/"+url.PathEscape(itemID), fileWhat, driveID)
}

// ItemByURL resolves what a person pastes (a sharing link, or the address
// of a file open in the browser) through Graph's /shares/{token}/driveItem.
func (c *Client) ItemByURL(ctx context.Context, link string) (Item, error) {
	share, err := shareID(link)
	if err != nil {
		return Item{}, err
	}
	return c.getItem(ctx, "/shares/"+url.PathEscape(share)+"/driveItem", linkWhat, "")
}

// getItem GETs a driveItem. driveID, when known from the request, stands
// in for a parentReference without a driveId.
func (c *Client) getItem(ctx context.Context, path, what, driveID string) (Item, error) {
	ctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	resp, err := c.send(ctx, c.api, c.cfg.BaseURL+path, true)
	if err != nil {
		return Item{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Item{}, responseError(resp, what)
	}
	var d driveItem
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSON)).Decode(&d); err != nil {
		return Item{}, unavailable(errors.Join(errors.New("graph: unreadable driveItem"), err))
	}
	it := d.item()
	if it.DriveID == "" {
		it.DriveID = driveID
	}
	if checkID("item ID", it.ID) != nil || checkID("drive ID", it.DriveID) != nil {
		// Without both IDs the item could not be fetched again or downloaded.
		return Item{}, unavailable(errors.New("graph: driveItem without a usable id or parentReference.driveId"))
	}
	return it, nil
}

// idPattern is the alphabet of Graph's drive and item IDs ("b!" and
// base64url for drives, base32 for OneDrive for Business items, hex with
// "!" for OneDrive personal). Slashes, colons (Graph's path addressing),
// percent signs and spaces can never appear, so an ID cannot reach another
// address.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9!_.~-]{1,256}$`)

func checkID(what, id string) error {
	if !idPattern.MatchString(id) || strings.Trim(id, ".") == "" {
		return platform.Invalid("The Microsoft 365 " + what + " is not valid.")
	}
	return nil
}

// maxLink bounds a pasted link (SharePoint's own limit is a few hundred
// characters longer than any real sharing link).
const maxLink = 2048

// shareID checks that link is an https link to OneDrive for Business or
// SharePoint Online ({tenant}.sharepoint.com or {tenant}-my.sharepoint.com)
// and encodes it as Graph documents: "u!" followed by the unpadded
// base64url of the URL.
func shareID(link string) (string, error) {
	link = strings.TrimSpace(link)
	link, _, _ = strings.Cut(link, "#") // a fragment is the browser's, never the server's
	if link == "" {
		return "", notLink("Paste the link to a file in OneDrive or SharePoint.")
	}
	if len(link) > maxLink {
		return "", notLink("The link is too long to be a OneDrive or SharePoint link.")
	}
	for _, r := range link {
		if r <= ' ' || r == 0x7f {
			return "", notLink("The link contains spaces or control characters. Copy it again from OneDrive or SharePoint.")
		}
	}
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" || (u.Port() != "" && u.Port() != "443") || !isSharePointHost(u.Hostname()) {
		return "", notLink("This is not a link to OneDrive or SharePoint. It should start with https:// and an address ending in .sharepoint.com.")
	}
	if strings.Trim(u.EscapedPath(), "/") == "" {
		return "", notLink("This link is to a SharePoint site, not to a file in it.")
	}
	return "u!" + base64.RawURLEncoding.EncodeToString([]byte(link)), nil
}

var tenantLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func isSharePointHost(host string) bool {
	tenant, ok := strings.CutSuffix(strings.ToLower(host), ".sharepoint.com")
	return ok && tenantLabel.MatchString(tenant)
}

func notLink(msg string) *platform.Error {
	return &platform.Error{Code: platform.CodeInvalid, Message: msg, Err: ErrNotLink,
		Fields: []platform.FieldError{{Field: "link", Message: msg}}}
}
