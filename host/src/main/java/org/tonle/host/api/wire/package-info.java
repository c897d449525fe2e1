/**
 * The JSON bodies of the REST API that the resources build, as records: their components are the
 * members, in this order, of the answers DESIGN.md section 5 describes. swagger-core reads them
 * for the OpenAPI document. Bodies that services answer with are records of the services.
 */
package org.tonle.host.api.wire;
