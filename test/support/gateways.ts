// Gateway fixtures shared by the @sockline/gateway and @sockline/nestjs suites and the framework
// plugins' gateway tests.
import { IsInt, IsString, Length, Min } from "class-validator";

/** The validated payload of a chat "message" event: both gateway flavours check it the same way. */
export class MessageDto {
  @IsString()
  @Length(1, 20)
  text!: string;

  @IsInt()
  @Min(0)
  priority!: number;
}

/**
 * Builds a gateway class with `@sockline/gateway`'s own decorators (applied by hand, since the
 * plugins' tests load that package dynamically): `echo` on namespace `namespace` acks `{ echoed, tag }`.
 */
export function echoGatewayClass(gatewayModule: Record<string, unknown>, namespace: string) {
  const { Gateway, On } = gatewayModule as {
    Gateway: (namespace: string) => ClassDecorator;
    On: (event: string) => MethodDecorator;
  };
  class EchoGateway {
    constructor(readonly tag: string = "made by new") {}
    echo(payload: unknown): { echoed: unknown; tag: string } {
      return { echoed: payload, tag: this.tag };
    }
  }
  On("echo")(EchoGateway.prototype, "echo", Object.getOwnPropertyDescriptor(EchoGateway.prototype, "echo")!);
  Gateway(namespace)(EchoGateway);
  return EchoGateway;
}
