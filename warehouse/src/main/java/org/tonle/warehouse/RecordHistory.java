package org.tonle.warehouse;

import java.util.List;

/**
 * What the warehouse holds of one record id.
 *
 * @param hashes      content hashes of every stored version
 * @param lastVersion the newest version number
 * @param live        whether the newest version is not a void
 */
public record RecordHistory(List<String> hashes, int lastVersion, boolean live) {
}
