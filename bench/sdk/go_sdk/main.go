// Zenlayer's unmodified Go SDK (zenlayercloud-sdk-go) against zec-emulator:
// every disk and snapshot action, error paths included, at 2025-09-01 and
// the snapshot actions at 2024-04-01 (the version the Terraform provider's
// snapshot resource speaks).
//
// Our own driver; the SDK is not in this repository.  bench/sdk/run builds it
// offline in a temporary module whose go.mod replaces
// github.com/zenlayer/zenlayercloud-sdk-go with a local checkout.
//
//	go run . -endpoint 127.0.0.1:PORT [-scheme HTTPS -cafile cert.pem]
//
// The emulator must run with --demo.  One line per call; exit status 1 when a
// call does not end as expected.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/zenlayer/zenlayercloud-sdk-go/zenlayercloud/common"
	zec0401 "github.com/zenlayer/zenlayercloud-sdk-go/zenlayercloud/zec20240401"
	zec "github.com/zenlayer/zenlayercloud-sdk-go/zenlayercloud/zec20250901"
)

const (
	web           = "862857204414550690" // demo: DATA, IN_USE, tags env=prod
	system        = "862857204414550666" // demo: SYSTEM disk
	beforeUpgrade = "880115042371526613" // demo snapshot of web
	spare         = "862857204414550748" // demo: DATA, AVAILABLE
)

var failures int

// check prints one call's outcome; want is "" for success, else the API code.
func check(action string, resp interface{}, err error, want string) {
	var sdkErr *common.ZenlayerCloudSdkError
	if err != nil {
		code := "-"
		msg := err.Error()
		if errors.As(err, &sdkErr) {
			code, msg = sdkErr.Code, sdkErr.Message
		}
		ok := want != "" && code == want
		if !ok {
			failures++
		}
		fmt.Printf("%-26s %s code=%s message=%q\n", action, map[bool]string{true: "ERR ", false: "FAIL"}[ok], code, msg)
		return
	}
	if want != "" {
		failures++
	}
	b, _ := json.Marshal(resp)
	fmt.Printf("%-26s %s %s\n", action, map[bool]string{true: "OK  ", false: "FAIL"}[want == ""], b)
}

func str(s string) *string { return &s }
func num(n int) *int        { return &n }

func main() {
	endpoint := flag.String("endpoint", "", "HOST:PORT of zec-emulator")
	scheme := flag.String("scheme", "HTTP", "HTTP or HTTPS")
	cafile := flag.String("cafile", "", "CA for HTTPS")
	keyID := flag.String("key-id", "ZECDEMOACCESSKEY0001", "")
	keyPW := flag.String("key-password", "zec-demo-password-not-secret", "")
	flag.Parse()

	cfg := common.NewConfig()
	cfg.Domain = *endpoint
	cfg.Scheme = strings.ToUpper(*scheme)
	cfg.Timeout = 10
	cfg.RateLimitExceededMaxRetries = 0
	if *cafile != "" {
		pem, err := os.ReadFile(*cafile)
		if err != nil {
			fmt.Println("cannot read the ca file:", err)
			os.Exit(2)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg.HttpTransport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	c, err := zec.NewClient(cfg, *keyID, *keyPW)
	if err != nil {
		fmt.Println("cannot make the client:", err)
		os.Exit(2)
	}

	// ---- DescribeDisks
	dd := zec.NewDescribeDisksRequest()
	r1, err := c.DescribeDisks(dd)
	check("DescribeDisks", r1, err, "")
	if err == nil {
		for _, d := range r1.Response.DataSet {
			var tags []string
			if d.Tags != nil {
				for _, t := range d.Tags.Tags {
					tags = append(tags, *t.Key+"="+*t.Value)
				}
			}
			period := "-"
			if d.Period != nil {
				period = fmt.Sprint(*d.Period)
			}
			fmt.Printf("    disk %s name=%s category=%s status=%s tags=%v period=%s\n",
				*d.DiskId, *d.DiskName, *d.DiskCategory, *d.DiskStatus, tags, period)
		}
	}
	dd = zec.NewDescribeDisksRequest()
	dd.PageSize, dd.PageNum = num(2), num(2)
	r1, err = c.DescribeDisks(dd)
	check("DescribeDisks", r1, err, "")
	dd = zec.NewDescribeDisksRequest()
	dd.Tags = []*zec.Tag{{Key: str("env"), Value: str("prod")}}
	dd.TagKeys = []string{"role"}
	r1, err = c.DescribeDisks(dd)
	check("DescribeDisks", r1, err, "")
	dd = zec.NewDescribeDisksRequest()
	dd.PageSize = num(1001)
	r1, err = c.DescribeDisks(dd)
	check("DescribeDisks", r1, err, "INVALID_PARAMETER_EXCEED_MAXIMUM")

	// ---- DescribeSnapshots
	ds := zec.NewDescribeSnapshotsRequest()
	ds.DiskIds = []string{web}
	r2, err := c.DescribeSnapshots(ds)
	check("DescribeSnapshots", r2, err, "")
	ds = zec.NewDescribeSnapshotsRequest()
	ds.SnapshotName = str("^before-upgrade$")
	r2, err = c.DescribeSnapshots(ds)
	check("DescribeSnapshots", r2, err, "")
	ds = zec.NewDescribeSnapshotsRequest()
	ds.PageSize = num(0)
	r2, err = c.DescribeSnapshots(ds)
	check("DescribeSnapshots", r2, err, "INVALID_PARAMETER_LESS_MINIMUM")

	// ---- CreateSnapshot
	cs := zec.NewCreateSnapshotRequest()
	cs.DiskId, cs.SnapshotName = str(web), str("sdk-go")
	r3, err := c.CreateSnapshot(cs)
	check("CreateSnapshot", r3, err, "")
	newID := ""
	if err == nil {
		newID = *r3.Response.SnapshotId
	}
	for _, bad := range []struct{ disk, name, retention, code string }{
		{system, "sdk-system", "", "OPERATION_DENIED_DISK_SYSTEM_TYPE"},
		{web, "-bad-", "", "INVALID_PARAMETER_PATTERN_ERROR"},
		{"404", "nowhere", "", "INVALID_DISK_NOT_FOUND"},
		{web, "too-soon", "2000-01-01T00:00:00Z", "INVALID_SNAPSHOT_RETENTION_TIME"},
	} {
		cs = zec.NewCreateSnapshotRequest()
		cs.DiskId, cs.SnapshotName = str(bad.disk), str(bad.name)
		if bad.retention != "" {
			cs.RetentionTime = str(bad.retention)
		}
		r3, err = c.CreateSnapshot(cs)
		check("CreateSnapshot", r3, err, bad.code)
	}

	// ---- DeleteSnapshots: a CREATING snapshot is refused inside a success
	del := zec.NewDeleteSnapshotsRequest()
	del.SnapshotIds = []string{newID}
	r4, err := c.DeleteSnapshots(del)
	check("DeleteSnapshots", r4, err, "")
	del = zec.NewDeleteSnapshotsRequest()
	del.SnapshotIds = []string{"404"}
	r4, err = c.DeleteSnapshots(del)
	check("DeleteSnapshots", r4, err, "INVALID_DISK_SNAPSHOT_NOT_FOUND")

	// ---- ModifySnapshotsAttribute
	ms := zec.NewModifySnapshotsAttributeRequest()
	ms.SnapshotIds, ms.SnapshotName = []string{beforeUpgrade}, str("before-upgrade-go")
	r5, err := c.ModifySnapshotsAttribute(ms)
	check("ModifySnapshotsAttribute", r5, err, "")
	ms = zec.NewModifySnapshotsAttributeRequest()
	ms.SnapshotIds, ms.RetentionTime = []string{beforeUpgrade}, str("2099-01-01T00:00:00Z")
	r5, err = c.ModifySnapshotsAttribute(ms)
	check("ModifySnapshotsAttribute", r5, err, "")
	ms = zec.NewModifySnapshotsAttributeRequest()
	yes := true
	ms.SnapshotIds, ms.IsPermanent = []string{beforeUpgrade}, &yes
	r5, err = c.ModifySnapshotsAttribute(ms)
	check("ModifySnapshotsAttribute", r5, err, "")
	ms = zec.NewModifySnapshotsAttributeRequest()
	ms.SnapshotIds, ms.RetentionTime = []string{beforeUpgrade}, str("tomorrow")
	r5, err = c.ModifySnapshotsAttribute(ms)
	check("ModifySnapshotsAttribute", r5, err, "INVALID_PARAMETER_DATE_FORMAT_ERROR")

	// ---- ApplySnapshot
	ap := zec.NewApplySnapshotRequest()
	ap.DiskId, ap.SnapshotId = str(system), str(beforeUpgrade)
	r6, err := c.ApplySnapshot(ap)
	check("ApplySnapshot", r6, err, "OPERATION_DENIED_SNAPSHOT_DISK_REINSTALLED")
	ap = zec.NewApplySnapshotRequest()
	ap.DiskId, ap.SnapshotId = str(web), str(beforeUpgrade)
	r6, err = c.ApplySnapshot(ap)
	check("ApplySnapshot", r6, err, "")
	r6, err = c.ApplySnapshot(ap)
	check("ApplySnapshot", r6, err, "OPERATION_DENIED_DISK_STATUS")

	// ---- ModifyDisksAttributes
	md := zec.NewModifyDisksAttributesRequest()
	md.DiskIds, md.DiskName = []string{spare}, str("spare_volume.2")
	r7, err := c.ModifyDisksAttributes(md)
	check("ModifyDisksAttributes", r7, err, "")
	md.DiskName = str("_bad")
	r7, err = c.ModifyDisksAttributes(md)
	check("ModifyDisksAttributes", r7, err, "INVALID_PARAMETER_PATTERN_ERROR")
	md.DiskName = str(strings.Repeat("x", 65))
	r7, err = c.ModifyDisksAttributes(md)
	check("ModifyDisksAttributes", r7, err, "INVALID_PARAMETER_EXCEED_LENGTH")

	// the new snapshot made, deleted for real
	for i := 0; i < 200; i++ {
		ds = zec.NewDescribeSnapshotsRequest()
		ds.SnapshotIds = []string{newID}
		r, err := c.DescribeSnapshots(ds)
		if err == nil && len(r.Response.DataSet) == 1 && *r.Response.DataSet[0].Status == "AVAILABLE" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	del = zec.NewDeleteSnapshotsRequest()
	del.SnapshotIds = []string{newID}
	r4, err = c.DeleteSnapshots(del)
	check("DeleteSnapshots", r4, err, "")

	// ---- X-ZC-Version 2024-04-01 (zec20240401)
	old, err := zec0401.NewClient(cfg, *keyID, *keyPW)
	if err != nil {
		fmt.Println("cannot make the 2024-04-01 client:", err)
		os.Exit(2)
	}
	ocs := zec0401.NewCreateSnapshotRequest()
	ocs.DiskId, ocs.SnapshotName = str(spare), str("sdk-go-0401")
	o1, err := old.CreateSnapshot(ocs)
	check("CreateSnapshot@2024-04-01", o1, err, "")
	ods := zec0401.NewDescribeSnapshotsRequest()
	ods.DiskIds = []string{spare}
	o2, err := old.DescribeSnapshots(ods)
	check("DescribeSnapshots@2024-04-01", o2, err, "")
	odd := zec0401.NewDescribeDisksRequest()
	o3, err := old.DescribeDisks(odd)
	check("DescribeDisks@2024-04-01", o3, err, "INVALID_PARAMETER_VALUE")

	// ---- a wrong password
	bad, _ := zec.NewClient(cfg, *keyID, "wrong-password")
	r1, err = bad.DescribeDisks(zec.NewDescribeDisksRequest())
	check("DescribeDisks", r1, err, "AUTHFAILURE_SIGNATURE_FAILURE")

	if failures > 0 {
		fmt.Printf("go sdk: %d unexpected\n", failures)
		os.Exit(1)
	}
	fmt.Println("go sdk: all calls as expected")
}
