import type { GatewayEnv } from '../config/gateway-env';
import { hashClientSecret } from './client-config.util';
import { ClientRegistry } from './client-registry.service';

describe(ClientRegistry.name, () => {
  const clients = [
    {
      client_id: 'rotating',
      name: 'Rotating',
      client_secret_hashes: [hashClientSecret('old-secret'), hashClientSecret('new-secret')],
      redirect_uris: ['https://r.example.com/cb'],
    },
    {
      client_id: 'other',
      name: 'Other',
      client_secret_hashes: [hashClientSecret('other-secret')],
      redirect_uris: ['https://o.example.com/cb'],
    },
  ];
  const sut = new ClientRegistry({
    GATEWAY_DEV_MODE: false,
    GATEWAY_CLIENTS: JSON.stringify(clients),
  } as GatewayEnv);

  it('accepts either of two active secrets during a rotation', () => {
    expect(sut.authenticate('rotating', 'old-secret')?.client_id).toBe('rotating');
    expect(sut.authenticate('rotating', 'new-secret')?.client_id).toBe('rotating');
  });

  it('refuses a wrong secret, another client’s secret, an empty secret and an unknown client', () => {
    expect(sut.authenticate('rotating', 'wrong')).toBeNull();
    expect(sut.authenticate('rotating', 'other-secret')).toBeNull();
    expect(sut.authenticate('rotating', '')).toBeNull();
    expect(sut.authenticate('nobody', 'old-secret')).toBeNull();
  });

  it('never accepts the stored hash itself as the secret', () => {
    expect(sut.authenticate('rotating', hashClientSecret('old-secret'))).toBeNull();
  });

  it('names GATEWAY_CLIENTS when the JSON is invalid', () => {
    expect(
      () => new ClientRegistry({ GATEWAY_DEV_MODE: false, GATEWAY_CLIENTS: '[{}]' } as GatewayEnv),
    ).toThrow(/GATEWAY_CLIENTS: client #1/);
  });
});
