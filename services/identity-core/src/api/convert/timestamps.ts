import { type Timestamp, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";

export const toTimestamp = (date: Date | null | undefined): Timestamp | undefined =>
  date ? timestampFromDate(date) : undefined;

export const fromTimestamp = (timestamp: Timestamp | undefined): Date | undefined =>
  timestamp ? timestampDate(timestamp) : undefined;
