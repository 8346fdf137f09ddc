/**
 * File input/output shared by the whole SDK: {@link io.github.mmesid.core.io.AtomicFiles}, the one
 * durable, atomic way every module writes files.
 */
package io.github.mmesid.core.io;
