/**
 * File input/output shared by the whole SDK: {@link io.github.mmesid.core.io.AtomicFiles}, the one
 * durable, atomic way every module writes files; {@link io.github.mmesid.core.io.Json}, the JSON
 * conventions of every file the SDK writes; {@link io.github.mmesid.core.io.CsvLines}, CSV line
 * splitting.
 */
package io.github.mmesid.core.io;
