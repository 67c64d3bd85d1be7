import {
  createRegistry,
  type DescFile,
  type DescService,
  type MessageInitShape,
  type Registry,
  toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import { reflectionV1, reflectionV1alpha } from "@cosafe/proto/reflection";

type Request = reflectionV1.ServerReflectionRequest;
/** Plain init objects (no $typeName), so that the same answer serialises as v1 and v1alpha. */
type ResponseInit = MessageInitShape<typeof reflectionV1.ServerReflectionResponseSchema>["messageResponse"];

/** Both reflection versions clients speak: grpcurl and buf curl try v1 first, then v1alpha. */
export const reflectionServiceNames = [
  reflectionV1.ServerReflection.typeName,
  reflectionV1alpha.ServerReflection.typeName,
];

/**
 * Answers reflection requests from the file descriptors of the services a server
 * registers (protobuf-es keeps them with the generated code), so that grpcurl and
 * buf curl can list services and describe methods without a copy of proto/.
 */
export class ReflectionIndex {
  private cache: { services: string[]; files: DescFile[]; types: Registry } | undefined;

  constructor(private readonly services: () => readonly DescService[]) {}

  private index() {
    if (!this.cache) {
      const services = [...new Map(this.services().map((s) => [s.typeName, s])).values()];
      const files = [...new Set(services.flatMap((s) => withImports(s.file)))];
      this.cache = {
        services: services.map((s) => s.typeName).sort(),
        files,
        types: createRegistry(...files),
      };
    }
    return this.cache;
  }

  answer(req: Request): ResponseInit {
    const { services, files, types } = this.index();
    const request = req.messageRequest;
    switch (request.case) {
      case "listServices":
        return {
          case: "listServicesResponse",
          value: { service: services.map((name) => ({ name })) },
        };
      case "fileByFilename": {
        const file = files.find((f) => f.proto.name === request.value);
        return file ? fileResponse(file) : notFound(`file "${request.value}" not found`);
      }
      case "fileContainingSymbol": {
        const file = fileOfSymbol(types, request.value);
        return file ? fileResponse(file) : notFound(`symbol "${request.value}" not found`);
      }
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = request.value;
        const extension = [...types].find(
          (d) =>
            d.kind === "extension" && d.extendee.typeName === containingType && d.number === extensionNumber,
        );
        return extension?.kind === "extension"
          ? fileResponse(extension.file)
          : notFound(`extension ${containingType}:${extensionNumber} not found`);
      }
      case "allExtensionNumbersOfType": {
        const type = types.getMessage(request.value);
        if (!type) return notFound(`type "${request.value}" not found`);
        const numbers = [...types]
          .filter((d) => d.kind === "extension" && d.extendee.typeName === type.typeName)
          .map((d) => (d.kind === "extension" ? d.number : 0));
        return {
          case: "allExtensionNumbersResponse",
          value: {
            baseTypeName: type.typeName,
            extensionNumber: numbers,
          },
        };
      }
      default:
        return {
          case: "errorResponse",
          value: {
            errorCode: Code.InvalidArgument,
            errorMessage: "no reflection request set",
          },
        };
    }
  }
}

/** A message, enum, service, method ("pkg.Service.Method") or field/value of a known type. */
function fileOfSymbol(types: Registry, symbol: string): DescFile | undefined {
  const found = types.get(symbol);
  if (found) return found.file;
  const parent = symbol.slice(0, Math.max(0, symbol.lastIndexOf(".")));
  return parent ? types.get(parent)?.file : undefined;
}

/** The file and its transitive imports; clients resolve the imports from the same answer. */
function fileResponse(file: DescFile): ResponseInit {
  return {
    case: "fileDescriptorResponse",
    value: {
      fileDescriptorProto: withImports(file).map((f) => toBinary(FileDescriptorProtoSchema, f.proto)),
    },
  };
}

/** The file first, then its transitive imports, each once. */
function withImports(file: DescFile): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (f: DescFile) => {
    if (seen.has(f.proto.name)) return;
    seen.set(f.proto.name, f);
    for (const dep of f.dependencies) visit(dep);
  };
  visit(file);
  return [...seen.values()];
}

function notFound(message: string): ResponseInit {
  return {
    case: "errorResponse",
    value: { errorCode: Code.NotFound, errorMessage: message },
  };
}

/**
 * Registers grpc.reflection.v1 and v1alpha on the router. Call it after the other
 * services are registered: it lists every service the router serves.
 */
export function registerReflection(router: ConnectRouter): void {
  const index = new ReflectionIndex(() => router.handlers.map((h) => h.service));
  // The two versions have identical messages; v1alpha answers through the same index.
  router.service(reflectionV1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield { validHost: req.host, originalRequest: req, messageResponse: index.answer(req) };
      }
    },
  });
  router.service(reflectionV1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        const answer = index.answer(
          req as unknown as Request,
        ) as unknown as reflectionV1alpha.ServerReflectionResponse["messageResponse"];
        yield { validHost: req.host, originalRequest: req, messageResponse: answer };
      }
    },
  });
}
