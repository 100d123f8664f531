/*
 * report/report_int.h - the JSON writer (report_json.c) as the report
 * writer (report_xml.c) drives it; private to report/. Users write every
 * format through report_writer_* (report.h), which hands the JSON writer
 * cleaned records; it cleans the metadata itself.
 */
#ifndef AUTHMILTER_REPORT_INT_H
#define AUTHMILTER_REPORT_INT_H

#include <stdint.h>

#include "report/report.h"
#include "util/strbuf.h"

typedef struct report_json report_json;
report_json *report_json_new(const report_meta *meta,
    const report_record *policy);
int report_json_row(report_json *j, const report_record *row, uint64_t count);
int report_json_finish(report_json *j, strbuf *out);
void report_json_free(report_json *j);

#endif
