// Zenlayer's unmodified Go SDK (zenlayercloud-sdk-go) against zec-emulator:
// every disk, snapshot, policy, instance and lifecycle action, error paths
// included, at 2025-09-01, and at 2024-04-01 (zec20240401, the version the
// Terraform provider's snapshot resource, ReleaseDisk, ResizeDisk and
// DeleteAutoSnapshotPolicies speak).
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
	web01         = "862857186441561134" // demo: the instance web-01
	zoneA         = "asia-east-1a"
	zoneSE        = "asia-southeast-1a"
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
func num(n int) *int       { return &n }

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

	// ---- ApplySnapshot: the disk is SNAPSHOT_CREATING while its snapshot is made
	ap := zec.NewApplySnapshotRequest()
	ap.DiskId, ap.SnapshotId = str(web), str(beforeUpgrade)
	r6, err := c.ApplySnapshot(ap)
	check("ApplySnapshot", r6, err, "OPERATION_DENIED_DISK_STATUS")
	waitDisk(c, web, "IN_USE")
	ap = zec.NewApplySnapshotRequest()
	ap.DiskId, ap.SnapshotId = str(system), str(beforeUpgrade)
	r6, err = c.ApplySnapshot(ap)
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
	odd.DiskIds = []string{spare}
	o3, err := old.DescribeDisks(odd)
	check("DescribeDisks@2024-04-01", o3, err, "")
	if err == nil && len(o3.Response.DataSet) == 1 {
		fmt.Printf("    disk %s chargeType=%s\n", o3.Response.DataSet[0].DiskId,
			o3.Response.DataSet[0].ChargeType)
	}

	lifecycle(c)
	oldLifecycle(c, old)

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

// waitDisk polls DescribeDisks until the disk has status ("GONE": is gone).
func waitDisk(c *zec.Client, id, status string) {
	for i := 0; i < 400; i++ {
		dd := zec.NewDescribeDisksRequest()
		dd.DiskIds = []string{id}
		r, err := c.DescribeDisks(dd)
		if err == nil {
			now := "GONE"
			if len(r.Response.DataSet) == 1 {
				now = *r.Response.DataSet[0].DiskStatus
			}
			if now == status {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	failures++
	fmt.Printf("%-26s FAIL disk %s never became %s\n", "(wait)", id, status)
}

// lifecycle: instances, regions, categories, attach, detach, resize,
// release and policies across zones, at 2025-09-01.
func lifecycle(c *zec.Client) {
	waitDisk(c, spare, "AVAILABLE") // after the 2024-04-01 snapshot of it
	rr, err := c.DescribeDiskRegions(zec.NewDescribeDiskRegionsRequest())
	check("DescribeDiskRegions", rr, err, "")
	dc := zec.NewDescribeDiskCategoryRequest()
	dc.ZoneId = str(zoneA)
	rc, err := c.DescribeDiskCategory(dc)
	check("DescribeDiskCategory", rc, err, "")
	di := zec.NewDescribeInstancesRequest()
	di.InstanceIds = []string{web01}
	ri, err := c.DescribeInstances(di)
	check("DescribeInstances", ri, err, "")
	ds := zec.NewDescribeInstancesStatusRequest()
	rs, err := c.DescribeInstancesStatus(ds)
	check("DescribeInstancesStatus", rs, err, "")

	for _, bad := range []struct{ disk, instance, code string }{
		{spare, "404", "INVALID_INSTANCE_NOT_FOUND"},
		{system, web01, "OPERATION_DENIED_DISK_SYSTEM_TYPE"},
		{web, web01, "UNSUPPORTED_OPERATION_DISK_STATUS"},
	} {
		at := zec.NewAttachDisksRequest()
		at.DiskIds, at.InstanceId = []string{bad.disk}, str(bad.instance)
		ra, err := c.AttachDisks(at)
		check("AttachDisks", ra, err, bad.code)
	}
	at := zec.NewAttachDisksRequest()
	at.DiskIds, at.InstanceId = []string{spare}, str(web01)
	ra, err := c.AttachDisks(at)
	check("AttachDisks", ra, err, "")
	waitDisk(c, spare, "IN_USE")
	dt := zec.NewDetachDisksRequest()
	dt.DiskIds = []string{spare}
	rd, err := c.DetachDisks(dt)
	check("DetachDisks", rd, err, "")
	if err == nil {
		fmt.Printf("    failedDiskIds (instanceCheckFlag default, web-01 RUNNING): %v\n",
			rd.Response.FailedDiskIds)
	}
	no := false
	dt.InstanceCheckFlag = &no
	rd, err = c.DetachDisks(dt)
	check("DetachDisks", rd, err, "")
	waitDisk(c, spare, "AVAILABLE")
	rd, err = c.DetachDisks(dt)
	check("DetachDisks", rd, err, "UNSUPPORTED_OPERATION_DISK_NO_ATTACH")

	rz := zec.NewResizeDiskRequest()
	rz.DiskId, rz.DiskSize = str(spare), num(70)
	rzr, err := c.ResizeDisk(rz)
	check("ResizeDisk", rzr, err, "")
	waitDisk(c, spare, "AVAILABLE")
	rz.DiskSize = num(60)
	rzr, err = c.ResizeDisk(rz)
	check("ResizeDisk", rzr, err, "INVALID_PARAMETER_VALUE")

	cd := zec.NewCreateDisksRequest()
	yes := true
	cd.ZoneId, cd.DiskName, cd.DiskSize = str(zoneSE), str("sdk-go"), num(20)
	cd.Tags = &zec.TagAssociation{Tags: []*zec.Tag{{Key: str("env"), Value: str("go")}}}
	cd.BurstingEnabled = &yes
	rcd, err := c.CreateDisks(cd)
	check("CreateDisks", rcd, err, "")
	newDisk := "none"
	if err == nil {
		newDisk = rcd.Response.DiskIds[0]
	}
	waitDisk(c, newDisk, "AVAILABLE")
	at = zec.NewAttachDisksRequest()
	at.DiskIds, at.InstanceId = []string{newDisk}, str(web01)
	ra, err = c.AttachDisks(at)
	check("AttachDisks", ra, err, "OPERATION_DENIED_DIFFERENT_ZONE")
	for _, bad := range []struct {
		zone    string
		size, n int
		code    string
	}{
		{"mars-1a", 20, 1, "INVALID_ZONE_NOT_FOUND"},
		{zoneA, 10, 1, "INVALID_PARAMETER_LESS_MINIMUM"},
		{zoneA, 20, 51, "INVALID_PARAMETER_EXCEED_MAXIMUM"},
	} {
		cd = zec.NewCreateDisksRequest()
		cd.ZoneId, cd.DiskName, cd.DiskSize, cd.DiskAmount = str(bad.zone), str("x"), num(bad.size), num(bad.n)
		rcd, err = c.CreateDisks(cd)
		check("CreateDisks", rcd, err, bad.code)
	}

	cp := zec.NewCreateAutoSnapshotPolicyRequest()
	cp.ZoneId, cp.AutoSnapshotPolicyName = str(zoneA), str("sdk-go")
	cp.RepeatWeekDays, cp.Hours = []int{1}, []int{3}
	rcp, err := c.CreateAutoSnapshotPolicy(cp)
	check("CreateAutoSnapshotPolicy", rcp, err, "")
	pid := "none"
	if err == nil {
		pid = *rcp.Response.AutoSnapshotPolicyId
	}
	apl := zec.NewApplyAutoSnapshotPolicyRequest()
	apl.AutoSnapshotPolicyId, apl.DiskIds = str(pid), []string{newDisk}
	rap, err := c.ApplyAutoSnapshotPolicy(apl)
	check("ApplyAutoSnapshotPolicy", rap, err, "INVALID_AUTO_SNAPSHOT_ZONE_MISMATCH")
	dp := zec.NewDeleteAutoSnapshotPoliciesRequest()
	dp.AutoSnapshotPolicyIds = []string{pid}
	rdp, err := c.DeleteAutoSnapshotPolicies(dp)
	check("DeleteAutoSnapshotPolicies", rdp, err, "")

	rl := zec.NewReleaseDiskRequest()
	rl.DiskId = str(system)
	rlr, err := c.ReleaseDisk(rl)
	check("ReleaseDisk", rlr, err, "OPERATION_DENIED_DISK_SYSTEM_TYPE")
	rl.DiskId = str(newDisk)
	rlr, err = c.ReleaseDisk(rl)
	check("ReleaseDisk", rlr, err, "")
	rlr, err = c.ReleaseDisk(rl)
	check("ReleaseDisk", rlr, err, "UNSUPPORTED_OPERATION_DISK_BEING_RECYCLE")
	waitDisk(c, newDisk, "RECYCLED")
	rlr, err = c.ReleaseDisk(rl)
	check("ReleaseDisk", rlr, err, "")
	waitDisk(c, newDisk, "GONE")
	rlr, err = c.ReleaseDisk(rl)
	check("ReleaseDisk", rlr, err, "OPERATION_FAILED_RESOURCE_NOT_FOUND")
}

// oldLifecycle: the same with the 2024-04-01 client, policies included
// (Terraform deletes policies at that version).
func oldLifecycle(c *zec.Client, old *zec0401.Client) {
	rr, err := old.DescribeDiskRegions(zec0401.NewDescribeDiskRegionsRequest())
	check("DescribeDiskRegions@2024-04-01", rr, err, "")
	dc := zec0401.NewDescribeDiskCategoryRequest()
	dc.ZoneId = zoneA
	rc, err := old.DescribeDiskCategory(dc)
	check("DescribeDiskCategory@2024-04-01", rc, err, "")
	di := zec0401.NewDescribeInstancesRequest()
	di.InstanceIds = []string{web01}
	ri, err := old.DescribeInstances(di)
	check("DescribeInstances@2024-04-01", ri, err, "")
	rs, err := old.DescribeInstancesStatus(zec0401.NewDescribeInstancesStatusRequest())
	check("DescribeInstancesStatus@2024-04-01", rs, err, "")

	cd := zec0401.NewCreateDisksRequest()
	cd.ZoneId, cd.DiskName, cd.DiskSize = zoneA, "sdk-go-0401", 20
	rcd, err := old.CreateDisks(cd)
	check("CreateDisks@2024-04-01", rcd, err, "")
	id := "none"
	if err == nil {
		id = rcd.Response.DiskIds[0]
	}
	waitDisk(c, id, "AVAILABLE")
	at := zec0401.NewAttachDisksRequest()
	at.DiskIds, at.InstanceId = []string{id}, web01
	ra, err := old.AttachDisks(at)
	check("AttachDisks@2024-04-01", ra, err, "")
	waitDisk(c, id, "IN_USE")
	dt := zec0401.NewDetachDisksRequest()
	dt.DiskIds = []string{id}
	rd, err := old.DetachDisks(dt)
	check("DetachDisks@2024-04-01", rd, err, "OPERATION_DENIED_INSTANCE_NOT_RUNNING")
	rz := zec0401.NewResizeDiskRequest()
	rz.DiskId, rz.DiskSize = str(id), num(30)
	rzr, err := old.ResizeDisk(rz)
	check("ResizeDisk@2024-04-01", rzr, err, "")
	waitDisk(c, id, "IN_USE")
	no := false
	dt.InstanceCheckFlag = &no
	rd, err = old.DetachDisks(dt)
	check("DetachDisks@2024-04-01", rd, err, "")
	waitDisk(c, id, "AVAILABLE")
	rl := zec0401.NewReleaseDiskRequest()
	rl.DiskId = id
	rlr, err := old.ReleaseDisk(rl)
	check("ReleaseDisk@2024-04-01", rlr, err, "")
	waitDisk(c, id, "RECYCLED")
	rlr, err = old.ReleaseDisk(rl)
	check("ReleaseDisk@2024-04-01", rlr, err, "")
	rlr, err = old.ReleaseDisk(rl)
	check("ReleaseDisk@2024-04-01", rlr, err, "OPERATION_FAILED_RESOURCE_NOT_FOUND")

	cp := zec0401.NewCreateAutoSnapshotPolicyRequest()
	cp.ZoneId, cp.AutoSnapshotPolicyName = str(zoneA), str("sdk-go-0401")
	cp.RepeatWeekDays, cp.Hours = []int{2}, []int{4}
	rcp, err := old.CreateAutoSnapshotPolicy(cp)
	check("CreateAutoSnapshotPolicy@2024-04-01", rcp, err, "")
	pid := "none"
	if err == nil {
		pid = *rcp.Response.AutoSnapshotPolicyId
	}
	dsp := zec0401.NewDescribeAutoSnapshotPoliciesRequest()
	dsp.AutoSnapshotPolicyIds = []string{pid}
	rdsp, err := old.DescribeAutoSnapshotPolicies(dsp)
	check("DescribeAutoSnapshotPolicies@2024-04-01", rdsp, err, "")
	mp := zec0401.NewModifyAutoSnapshotPolicyRequest()
	mp.AutoSnapshotPolicyId, mp.Hours = str(pid), []int{5}
	rmp, err := old.ModifyAutoSnapshotPolicy(mp)
	check("ModifyAutoSnapshotPolicy@2024-04-01", rmp, err, "")
	apl := zec0401.NewApplyAutoSnapshotPolicyRequest()
	apl.AutoSnapshotPolicyId, apl.DiskIds = str(pid), []string{spare}
	rap, err := old.ApplyAutoSnapshotPolicy(apl)
	check("ApplyAutoSnapshotPolicy@2024-04-01", rap, err, "")
	cpl := zec0401.NewCancelAutoSnapshotPolicyRequest()
	cpl.AutoSnapshotPolicyId, cpl.DiskIds = str(pid), []string{spare}
	rcpl, err := old.CancelAutoSnapshotPolicy(cpl)
	check("CancelAutoSnapshotPolicy@2024-04-01", rcpl, err, "")
	dp := zec0401.NewDeleteAutoSnapshotPoliciesRequest()
	dp.AutoSnapshotPolicyIds = []string{pid}
	rdp, err := old.DeleteAutoSnapshotPolicies(dp)
	check("DeleteAutoSnapshotPolicies@2024-04-01", rdp, err, "")
	rdp, err = old.DeleteAutoSnapshotPolicies(dp)
	check("DeleteAutoSnapshotPolicies@2024-04-01", rdp, err, "INVALID_AUTO_SNAPSHOT_POLICY_NOT_FOUND")
}
