/*
 * zec_name.h - the snapshot name rule (zec-api.md section 5, CreateSnapshot):
 * 2-63 characters of letters, digits, '-' and '.', starting and ending with a
 * letter or digit.  Shared by zecfs (checked before any API call) and the
 * emulator (which answers with the API's code).
 */
#ifndef ZEC_NAME_H
#define ZEC_NAME_H

#define ZEC_NAME_MIN 2
#define ZEC_NAME_MAX 63

enum zec_name_verdict {
	ZEC_NAME_OK = 0,
	ZEC_NAME_TOO_SHORT,         /* fewer than 2 characters */
	ZEC_NAME_TOO_LONG,          /* more than 63 */
	ZEC_NAME_BAD_CHAR,          /* a character outside [A-Za-z0-9.-] */
	ZEC_NAME_BAD_EDGE,          /* starts or ends with '-' or '.' */
};

enum zec_name_verdict zec_snapshot_name_check(const char *name);

/*
 * The disk name rule of ModifyDisksAttributes (zenlayercloud-sdk-go
 * zenlayercloud/zec20250901/models.go, ModifyDisksAttributesRequest.DiskName):
 * 1-64 characters of letters, digits, '-', '_' and '.', starting and ending
 * with a letter or digit.  TOO_LONG lets zecfs answer ENAMETOOLONG; every
 * other verdict is EINVAL.
 */
#define ZEC_DISK_NAME_MIN 1
#define ZEC_DISK_NAME_MAX 64

enum zec_name_verdict zec_disk_name_check(const char *name);

#endif /* ZEC_NAME_H */
