/*
 * report/report_int.h - the JSON writer (report_json.c) as the report
 * writer (report_xml.c) drives it; private to report/. Users write every
 * format through report_writer_* (report.h), which hands the JSON writer
 * cleaned records; it cleans the metadata itself. The JSON goes to the
 * sink as it is written: the head at report_json_new, each record as it
 * comes, the end at report_json_finish.
 */
#ifndef AUTHMILTER_REPORT_INT_H
#define AUTHMILTER_REPORT_INT_H

#include <stdint.h>

#include "report/report.h"
#include "util/strbuf.h"

typedef struct report_json report_json;
report_json *report_json_new(const report_meta *meta,
    const report_record *policy, report_sink sink, void *sink_arg);
int report_json_row(report_json *j, const report_record *row, uint64_t count);
int report_json_finish(report_json *j);
void report_json_free(report_json *j);

#endif
